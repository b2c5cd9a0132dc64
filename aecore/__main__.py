"""``python -m aecore``: the command line (see :mod:`aecore.cli.parser`)."""

import sys

from .cli.parser import main

if __name__ == "__main__":
    sys.exit(main())
