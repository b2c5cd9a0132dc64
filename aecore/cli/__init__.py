"""The ``aecore`` command line: the parser and exit statuses (:mod:`.parser`), the options drawn
from the params schema (:mod:`.options`) and the commands (:mod:`.commands`)."""

from .parser import main

__all__ = ["main"]
