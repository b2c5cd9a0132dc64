"""Lazy re-exports for the subpackages: ``aecore.data.datasets.load_mnist_sample`` still works, and importing
one submodule (``aecore.runs.format``) does not load its siblings."""

from __future__ import annotations

from importlib import import_module


def lazy_exports(package: str, public: dict[str, str]):
    """A module ``__getattr__`` and ``__dir__`` serving ``public`` (name -> submodule) on first use."""

    def __getattr__(name: str):
        if name in public:
            return getattr(import_module(f"{package}.{public[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(public)

    return __getattr__, __dir__
