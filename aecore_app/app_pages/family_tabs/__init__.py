"""The Family page's tabs, one module each: ``tab_ui(data)`` draws the tab for a
:class:`aecore_app.family_ui.FamilyData`."""
