"""aecore: the engine of Autoencoder Lab.

Keras autoencoders behind a scikit-learn interface, datasets, honest metrics against PCA, and
Plotly figures. Importing it never imports Streamlit (nor TensorFlow until a model is built), and
``import aecore`` alone imports nothing heavy: :class:`AutoencoderReducer` (and scikit-learn with
it) is loaded on first use, so the command line answers ``--help`` and bad options at once.

>>> from aecore import AutoencoderReducer
"""

from __future__ import annotations

from ._version import DISTRIBUTION, __version__  # noqa: F401  (aecore.DISTRIBUTION, kept out of dir())

__all__ = ["AutoencoderReducer", "__version__"]

#: The submodules people import, listed by ``dir(aecore)`` and loaded on first attribute access
#: (``aecore.runs.load_run``), so that ``import aecore`` itself stays light; each with where it lives
#: since the library has subpackages (``aecore.projection`` is :mod:`aecore.maps.projection`).
SUBMODULES = {"anomaly": "anomaly", "budget": "budget", "data": "data", "encoding": "runs.encoding",
              "figures": "figures", "metrics": "metrics", "params": "params", "presets": "presets",
              "progress": "progress", "projection": "maps.projection", "run_saving": "runs.saving",
              "runs": "runs"}


def __getattr__(name: str):
    if name == "AutoencoderReducer":
        from .reducer import AutoencoderReducer

        return AutoencoderReducer
    if name in SUBMODULES:
        import importlib

        return importlib.import_module(f".{SUBMODULES[name]}", __name__)
    raise AttributeError(f"module 'aecore' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public API (``__all__``) and the main submodules, not this module's helpers."""
    return sorted([*__all__, *SUBMODULES])
