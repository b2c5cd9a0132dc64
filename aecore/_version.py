"""The package's version, read once: ``aecore.__version__`` and what a saved run records."""

from __future__ import annotations

#: The distribution's name on an index and in ``pip install``.
DISTRIBUTION = "autoencoder-lab"


def _version() -> str:
    """The version written in pyproject.toml: from the installed distribution's metadata, or, in a
    checkout that was not installed, from pyproject.toml itself."""
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pass
    import tomllib
    from pathlib import Path

    try:
        with open(Path(__file__).resolve().parent.parent / "pyproject.toml", "rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0+unknown"


__version__ = _version()
