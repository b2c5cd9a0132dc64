"""The Family page's tabs, one module each: ``tab_ui(data)`` draws the tab for a
:class:`app_ui.family_ui.FamilyData`."""
