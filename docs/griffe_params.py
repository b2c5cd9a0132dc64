"""Griffe extensions for the API pages: docstrings written for Sphinx read as Markdown, and
AutoencoderReducer as Python sees it once imported."""

import inspect
import re
import sys
from pathlib import Path

import griffe

#: The class whose ``__init__`` and "Parameters" are made at import from aecore.params.
REDUCER = "aecore.reducer.AutoencoderReducer"
#: The checkout, so that ``mkdocs`` finds aecore however it is started (aecore need not be installed).
ROOT = Path(__file__).resolve().parent.parent
#: A Sphinx cross-reference role (``:func:`project```, ``:meth:`~Budget.default```): shown as code.
SPHINX_ROLE = re.compile(r":(?:func|meth|class|mod|data|attr|exc|obj):`~?([^`]+)`")
KINDS = {inspect.Parameter.POSITIONAL_OR_KEYWORD: griffe.ParameterKind.positional_or_keyword,
         inspect.Parameter.KEYWORD_ONLY: griffe.ParameterKind.keyword_only}


class ReducerParameters(griffe.Extension):
    """Give AutoencoderReducer the signature and the "Parameters" section that aecore/reducer.py
    writes at import (``storing_init``, ``numpydoc``): read statically, the class shows neither."""

    def on_class_members(self, *, cls: griffe.Class, **kwargs) -> None:
        if cls.path != REDUCER:
            return
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        # aecore.params is light (no scikit-learn, no TensorFlow) and is the one declaration of
        # every setting, so the page cannot drift from the code.
        from aecore.params import numpydoc, storing_init

        signature = inspect.signature(storing_init(budget=None))
        parameters = griffe.Parameters(*(
            griffe.Parameter(p.name, kind=KINDS[p.kind],
                             default=None if p.default is inspect.Parameter.empty else repr(p.default))
            for p in signature.parameters.values()))
        cls.set_member("__init__", griffe.Function("__init__", parameters=parameters, parent=cls))
        if cls.docstring is not None and "{parameters}" in cls.docstring.value:
            parameters_doc = SPHINX_ROLE.sub(r"`\1`", numpydoc())
            cls.docstring.value = inspect.cleandoc(cls.docstring.value.replace("{parameters}", parameters_doc))


class SphinxRolesAsCode(griffe.Extension):
    """Show the docstrings' Sphinx roles as inline code, which Markdown has no other reading for."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = SPHINX_ROLE.sub(r"`\1`", obj.docstring.value)
