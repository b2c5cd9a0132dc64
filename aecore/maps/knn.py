"""Each row's nearest neighbours among the rows, found once and shared between maps (issue 18).

UMAP starts from every row's k nearest neighbours, and several views ask for them on the same codes:
the Latent space page's 2-D and 3-D UMAP maps (15 neighbours) and the Clusters page's N2D space
(10). :func:`neighbours` finds them once per array and keeps them (at most ``MAX_ENTRIES`` arrays,
the least recently used dropped first). It always finds at least ``SHARED_K`` of them, so a view
that asks for fewer takes the first columns of the same search: what a view gets never depends on
which view asked first.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np

SHARED_K = 15
MAX_ENTRIES = 4

_lock = threading.Lock()
_found: "OrderedDict[tuple, tuple[np.ndarray, np.ndarray]]" = OrderedDict()


def _key(X: np.ndarray, k: int, approximate: bool, random_state) -> tuple:
    digest = hashlib.blake2b(np.ascontiguousarray(X).view(np.uint8), digest_size=16).hexdigest()
    return digest, X.shape, str(X.dtype), k, bool(approximate), random_state if approximate else None


def neighbours(X: np.ndarray, k: int, *, approximate: bool, random_state=None) -> tuple[np.ndarray, np.ndarray]:
    """``(indices, distances)`` of each row's ``k`` nearest rows by Euclidean distance, the row itself
    first, as int32 and float32 arrays of shape ``(n, k)`` (what ``umap.UMAP(precomputed_knn=...)``
    takes).

    ``approximate=False``: exact, from scikit-learn. ``approximate=True``: umap-learn's own
    nearest-neighbour descent (pynndescent, seeded with ``random_state``), as UMAP would run it.
    """
    n = len(X)
    if not 1 <= k <= n:
        raise ValueError(f"k={k!r} must be between 1 and the number of rows ({n}); e.g. 15.")
    search_k = min(max(int(k), SHARED_K), n)
    key = _key(X, search_k, approximate, random_state)
    with _lock:
        found = _found.get(key)
        if found is not None:
            _found.move_to_end(key)
    if found is None:
        found = _search(X, search_k, approximate, random_state)
        with _lock:
            _found[key] = found
            while len(_found) > MAX_ENTRIES:
                _found.popitem(last=False)
    indices, distances = found
    # Copies: UMAP marks disconnected neighbours in place, and the stored search stays as found.
    return indices[:, :k].copy(), distances[:, :k].copy()


def _search(X: np.ndarray, k: int, approximate: bool, random_state) -> tuple[np.ndarray, np.ndarray]:
    if approximate:
        from sklearn.utils import check_random_state

        umap = import_umap()
        indices, distances, _ = umap.umap_.nearest_neighbors(
            X, k, "euclidean", {}, False, check_random_state(random_state), low_memory=True,
            use_pynndescent=True, n_jobs=-1 if random_state is None else 1)
    else:
        from sklearn.neighbors import NearestNeighbors

        distances, indices = NearestNeighbors(n_neighbors=k).fit(X).kneighbors(X)
    found = np.asarray(indices, dtype=np.int32), np.asarray(distances, dtype=np.float32)
    for array in found:
        array.flags.writeable = False  # shared by every caller
    return found


def clear() -> None:
    """Forget every stored search."""
    with _lock:
        _found.clear()


def _import_umap_without_parametric() -> None:
    """Import umap-learn without its ``parametric_umap`` module, which we never use: it imports
    PyTorch when installed (182 MB of memory and 1-3 s in the server process, measured by the
    retired one-server walk of ``bench/tour.py``: BENCHMARKS.md's retired benchmarks). umap's package ``__init__`` imports it inside a try block; a stub in
    ``sys.modules`` stands in for it."""
    import sys
    import types

    if "umap" in sys.modules or "umap.parametric_umap" in sys.modules:
        return
    stub = types.ModuleType("umap.parametric_umap")

    def unavailable(*args, **kwargs):
        raise ImportError("Autoencoder Lab imports umap-learn without ParametricUMAP.")

    stub.ParametricUMAP = stub.load_ParametricUMAP = unavailable
    sys.modules["umap.parametric_umap"] = stub


#: The scikit-learn modules umap-learn and pynndescent import. :func:`import_umap_dependencies` imports
#: them in a page's own thread, so that umap-learn itself can be imported in a background thread: two
#: threads importing scikit-learn at once can leave it half-initialised ("cannot import name 'clone'
#: from partially initialized module 'sklearn.base'"), while numba and umap-learn are only ever
#: imported through :func:`import_umap`.
UMAP_SKLEARN_MODULES = ("sklearn.base", "sklearn.utils.validation", "sklearn.neighbors", "sklearn.decomposition",
                        "sklearn.metrics.pairwise", "sklearn.manifold", "sklearn.preprocessing", "sklearn.cluster")


def import_umap_dependencies() -> None:
    """Import the scikit-learn modules umap-learn needs (:data:`UMAP_SKLEARN_MODULES`) in this thread."""
    from importlib import import_module

    for name in UMAP_SKLEARN_MODULES:
        import_module(name)


_UMAP_IMPORT_LOCK = threading.Lock()


def import_umap():
    """umap-learn, imported without ParametricUMAP (see :func:`_import_umap_without_parametric`).

    It lives here, below :mod:`aecore.maps.projection`, because both modules need it and projection
    imports this one. One thread at a time: the app's warm-up thread imports umap-learn while a page
    may ask for it, and a thread entering a package's import cycle while another is inside it can
    see a half-initialised module."""
    with _UMAP_IMPORT_LOCK:
        _import_umap_without_parametric()
        import umap

    return umap
