"""The first views shipped with each demo: what its pages show before a person changes anything.

A model page of a shipped demo opens on the codes of its dataset's rows, a 2-D map of them (PCA on
the Latent space page; UMAP under the Clusters page's clusters), the Clusters page's default
clustering (KMeans in N2D's UMAP space, one cluster per class, 10 restarts) with its clusters'
decoded means, the Anomalies page's scores (each row's reconstruction error) with the worst rows'
reconstructions, the held-out rows' errors with the reconstructions the Reconstructions page
shows first (its random, best and worst rows), the Generate page's first walk between two digits
and the Compare page's yardsticks (:func:`aecore.compare.yardsticks`). Computed here from the
shipped model, those need Keras, UMAP and a minute of a 2-core machine; shipped next to the model (``first_views.npz``,
float16 codes and pictures, ~0.1-0.7 MB a demo) they are read with NumPy alone. The demo-making
command writes them (:func:`aecore.runs.demo.build_views`), and only them with::

    python -m aecore.runs.demo --views-only

Every view is computed from the *shipped* codes (the model's codes rounded to float16), so a page
that recomputes one from those codes with the same settings gets the same picture. The app uses a
view only when a request matches it exactly (same model, rows, method and settings) and computes
as before otherwise; ``tests/core/runs/test_demo_views.py`` recomputes them from the models.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import compare

VIEWS_FILE = "first_views.npz"
#: The 2-D maps shipped: the Latent space page opens on PCA (codes wider than 3), the Clusters
#: page draws its clusters on UMAP.
FIRST_MAPS = (("pca", 2), ("umap", 2))
#: The Clusters page's first clustering: (space, method, restarts); one cluster per class.
FIRST_CLUSTERING = ("umap", "kmeans", 10)
#: Reconstructions shipped per list of rows on show: the Anomalies page shows the worst 12 rows (twice
#: as many cover ties at its cut); the Reconstructions page 4-24 held-out rows (12 at first), random
#: (a permutation seeded 0), best or worst.
SHOWN_ROWS = 24


@dataclass(frozen=True, eq=False)
class RowErrors:
    """Every row's reconstruction error (float32) and the reconstructions of the rows on show."""

    errors: np.ndarray
    rows: np.ndarray
    reconstructions: np.ndarray

    def reconstructed(self, rows) -> np.ndarray | None:
        """The reconstructions of ``rows`` (row positions) when every one is shipped, else None."""
        at = {int(row): i for i, row in enumerate(self.rows)}
        rows = np.asarray(rows).ravel()
        if not all(int(row) in at for row in rows):
            return None
        return self.reconstructions[[at[int(row)] for row in rows]]

    @classmethod
    def of(cls, reducer, X: np.ndarray, *orders) -> "RowErrors":
        """``X``'s errors and the reconstructions of the first :data:`SHOWN_ROWS` of each order
        (``"worst"``, ``"best"``, or an array of positions)."""
        errors = reducer.reconstruction_error(X).astype(np.float32)
        ranked = np.argsort(errors)
        chosen = [np.asarray({"worst": ranked[::-1], "best": ranked}[order] if isinstance(order, str) else order)
                  [:SHOWN_ROWS] for order in orders]
        rows = np.unique(np.concatenate(chosen))
        return cls(errors, rows, reducer.reconstruct(X[rows]))
RANDOM_STATE = 0


def _read_only(array: np.ndarray, dtype=np.float32) -> np.ndarray:
    """``array`` as ``dtype``, read-only: the views are shared by every session of a server."""
    array = np.ascontiguousarray(array, dtype=dtype)
    array.flags.writeable = False
    return array


def _scores(found) -> tuple | None:
    """A map's stored scores: (trustworthiness, kNN accuracy or None), or None when not stored."""
    if found is None:
        return None
    trust, knn = found
    return float(trust), None if knn is None else float(knn)


@dataclass(frozen=True, eq=False)
class ShippedMap:
    """One map of the codes: the request it answers (method, dimensions, seed, map settings as
    ``(name, value)`` pairs, every row mapped), its points, the seconds it took to make and its
    scores against the data (trustworthiness, kNN accuracy of the labels or None), as the Latent
    space page shows them beside it."""

    method: str
    n_components: int
    random_state: int
    settings: tuple
    points: np.ndarray
    seconds: float
    scores: tuple | None = None


@dataclass(frozen=True, eq=False)
class ShippedClustering:
    """One clustering of every row: its request, its :class:`~aecore.maps.cluster_spaces.SpaceClustering`,
    and the decoder's picture of each cluster's mean code (``means`` in cluster-id order, ``decoded``
    the reconstructions of those means)."""

    space: str
    method: str
    n_clusters: int
    n_init: int
    random_state: int
    clustering: object
    means: np.ndarray
    decoded: np.ndarray


@dataclass(frozen=True, eq=False)
class FirstViews:
    """A demo's shipped views (see the module's docstring); arrays read-only."""

    codes: np.ndarray
    maps: tuple
    clusterings: tuple
    every_row: RowErrors | None = None  # the dataset's rows (the Anomalies page)
    held_out: RowErrors | None = None  # the held-out split's rows (the Train and Reconstructions pages)
    decodings: tuple = ()  # (codes, decoded) pairs: the Generate page's first walk
    compare: object = None  # its yardsticks on the held-out split (aecore.compare.Yardsticks): Compare's

    def map(self, method: str, n_components: int, random_state: int, settings: tuple) -> ShippedMap | None:
        """The shipped map of every row for exactly this request, else None."""
        return next((m for m in self.maps if (m.method, m.n_components, m.random_state, m.settings)
                     == (method, int(n_components), random_state, tuple(settings))), None)

    def clustering(self, space: str, method: str, n_clusters: int, n_init: int,
                   random_state: int = RANDOM_STATE) -> ShippedClustering | None:
        """The shipped clustering for exactly this request, else None."""
        request = (space, method, int(n_clusters), int(n_init), random_state)
        return next((c for c in self.clusterings
                     if (c.space, c.method, c.n_clusters, c.n_init, c.random_state) == request), None)

    def decoded(self, codes) -> np.ndarray | None:
        """The decoder's output for ``codes`` when every row is one of the shipped clusterings'
        mean codes or of the shipped walk's codes (to float32 rounding: the page computes the same
        codes), else None."""
        codes = np.asarray(codes, dtype=np.float32)
        for known, decoded in [(c.means, c.decoded) for c in self.clusterings] + list(self.decodings):
            if codes.ndim != 2 or codes.shape[1] != known.shape[1] or not len(known):
                continue
            gaps = np.abs(codes[:, None, :] - known[None, :, :]).max(axis=2)
            nearest = gaps.argmin(axis=1)
            tolerance = 1e-5 * (1.0 + float(np.abs(known).max()))
            if len(codes) and bool((gaps[np.arange(len(codes)), nearest] <= tolerance).all()):
                return decoded[nearest]
        return None

    def save(self, path) -> None:
        """Write the views as float16 arrays and one JSON text (no pickles)."""
        arrays = {"codes": self.codes.astype(np.float16)}
        for prefix, found in (("every_row", self.every_row), ("held_out", self.held_out)):
            if found is not None:
                arrays.update({f"{prefix}_errors": found.errors, f"{prefix}_rows": found.rows.astype(np.int32),
                               f"{prefix}_reconstructions": found.reconstructions.astype(np.float16)})
        for i, (known, decoded) in enumerate(self.decodings):
            arrays.update({f"decoding{i}_codes": known.astype(np.float32), f"decoding{i}_decoded": decoded.astype(np.float16)})
        meta = {"maps": [], "clusterings": []}
        if self.compare is not None:
            arrays.update({"compare_points": self.compare.points.astype(np.float32),
                           "compare_samples": self.compare.samples.astype(np.float16),
                           "compare_feature_errors": self.compare.feature_errors.astype(np.float32)})
            meta["compare"] = {"method": self.compare.method, "metrics": dataclasses.asdict(self.compare.metrics)}
        for i, m in enumerate(self.maps):
            arrays[f"map{i}"] = m.points.astype(np.float16)
            meta["maps"].append({"method": m.method, "n_components": m.n_components,
                                 "random_state": m.random_state, "settings": [list(p) for p in m.settings],
                                 "seconds": round(m.seconds, 2), "scores": m.scores})
        for i, c in enumerate(self.clusterings):
            result, scores, seconds = c.clustering
            arrays[f"cluster{i}_labels"] = result.labels.astype(np.int16)
            arrays[f"cluster{i}_centers"] = result.centers.astype(np.float32)
            arrays[f"cluster{i}_means"] = c.means.astype(np.float32)
            arrays[f"cluster{i}_decoded"] = c.decoded.astype(np.float16)
            meta["clusterings"].append({"space": c.space, "method": c.method, "n_clusters": c.n_clusters,
                                        "n_init": c.n_init, "random_state": c.random_state,
                                        "result_method": result.method, "seconds": round(seconds, 2),
                                        "scores": {k: float(v) for k, v in scores.items()}})
        np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)

    @classmethod
    def load(cls, path, n_components: int) -> "FirstViews":
        """Read views written by :meth:`save`; ``ValueError`` when the file is damaged or was made
        for another model (``n_components`` wide codes expected)."""
        from ..maps.cluster import ClusterResult
        from ..maps.cluster_spaces import SpaceClustering

        try:
            with np.load(path, allow_pickle=False) as stored:
                arrays = {key: stored[key] for key in stored.files}
            meta = json.loads(str(arrays.pop("meta")))
            codes = _read_only(arrays["codes"])
            maps = tuple(ShippedMap(m["method"], int(m["n_components"]), int(m["random_state"]),
                                    tuple(tuple(p) for p in m["settings"]), _read_only(arrays[f"map{i}"]),
                                    float(m["seconds"]), _scores(m.get("scores")))
                         for i, m in enumerate(meta["maps"]))
            clusterings = tuple(ShippedClustering(
                c["space"], c["method"], int(c["n_clusters"]), int(c["n_init"]), int(c["random_state"]),
                SpaceClustering(ClusterResult(_read_only(arrays[f"cluster{i}_labels"], np.int64),
                                              _read_only(arrays[f"cluster{i}_centers"]), c["result_method"]),
                                dict(c["scores"]), float(c["seconds"])),
                _read_only(arrays[f"cluster{i}_means"]), _read_only(arrays[f"cluster{i}_decoded"]))
                for i, c in enumerate(meta["clusterings"]))
            errors = {prefix: RowErrors(_read_only(arrays[f"{prefix}_errors"]),
                                        _read_only(arrays[f"{prefix}_rows"], np.int64),
                                        _read_only(arrays[f"{prefix}_reconstructions"]))
                      for prefix in ("every_row", "held_out") if f"{prefix}_errors" in arrays}
            found = meta.get("compare")
            compared = None if found is None else compare.Yardsticks(
                compare.ModelMetrics(**found["metrics"]), _read_only(arrays["compare_points"]), str(found["method"]),
                _read_only(arrays["compare_samples"]), _read_only(arrays["compare_feature_errors"]))
            decodings = tuple((_read_only(arrays[f"decoding{i}_codes"]), _read_only(arrays[f"decoding{i}_decoded"]))
                              for i in range(sum(key.endswith("_codes") and key.startswith("decoding") for key in arrays)))
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise ValueError(f"{path} is damaged ({exc}); rebuild it with "
                             "`python -m aecore.runs.demo --views-only`.") from exc
        n_rows = len(codes)
        if codes.ndim != 2 or codes.shape[1] != n_components or any(len(m.points) != n_rows for m in maps) \
                or any(len(c.clustering.result.labels) != n_rows for c in clusterings) \
                or ("every_row" in errors and len(errors["every_row"].errors) != n_rows) \
                or any(len(e.rows) != len(e.reconstructions) or (len(e.rows) and e.rows.max() >= len(e.errors))
                       for e in errors.values()) \
                or any(known.ndim != 2 or known.shape[1] != n_components or len(known) != len(decoded)
                       for known, decoded in decodings):
            raise ValueError(f"{path} does not fit its model ({codes.shape} codes, {n_components} expected, "
                             "or a view of other rows); rebuild it with `python -m aecore.runs.demo --views-only`.")
        return cls(codes, maps, clusterings, errors.get("every_row"), errors.get("held_out"), decodings, compared)


def compute(reducer, dataset, data_key: str) -> FirstViews:
    """The first views of ``reducer`` (a fitted model) on every row of ``dataset`` (the built-in
    dataset ``data_key``), made exactly as the app's pages make them."""
    from ..budget import Budget
    from ..maps import cluster_spaces, map_settings, projection
    from ..metrics import knn_accuracy, trustworthiness

    budget = Budget.default()
    codes = reducer.transform(dataset.X).astype(np.float16).astype(np.float32)  # what is shipped
    maps = []
    for method, n_components in FIRST_MAPS:
        settings = map_settings.as_key(method, None)
        started = time.perf_counter()
        points, rows = projection.project_sample(codes, method, n_components, RANDOM_STATE, budget=budget,
                                                 **dict(settings))
        seconds = time.perf_counter() - started
        if rows is None:  # a map of a subsample is not a first view the app would draw
            points = points.astype(np.float16).astype(np.float32)  # what is shipped, and scored
            scores = (float(trustworthiness(dataset.X, points)),
                      None if dataset.y is None else float(knn_accuracy(points, dataset.y)))
            maps.append(ShippedMap(method, n_components, RANDOM_STATE, settings, points, seconds, scores))
    space, method, n_init = FIRST_CLUSTERING
    n_clusters = len(np.unique(dataset.y)) if dataset.y is not None else 10
    handwriting = data_key in cluster_spaces.HANDWRITING_DATASETS
    clustering = cluster_spaces.cluster_space(space, dataset.X, codes, method, n_clusters, n_init, y=dataset.y,
                                              deskew_shape=dataset.image_shape if handwriting else None,
                                              random_state=RANDOM_STATE, budget=budget)
    means = cluster_spaces.cluster_means(codes, clustering.result.labels).means.astype(np.float32)
    decoded = reducer.inverse_transform(means)
    shipped = ShippedClustering(space, method, n_clusters, n_init, RANDOM_STATE, clustering, means, decoded)
    from ..data import datasets as aedata

    train_idx, test_idx = aedata.train_test_split(dataset, test_fraction=0.2, seed=0)  # the app's split
    X_test = dataset.X[test_idx]
    random_rows = np.random.default_rng(0).permutation(len(X_test))  # the Reconstructions page's
    decodings = ()
    if dataset.is_image:  # the Generate page's first walk: between two different digits, as it opens
        from ..maps.latent_walk import DEFAULT_STEPS, interpolate
        from ..maps.selection import walk_ends

        first, other = walk_ends(range(dataset.n_samples), dataset.y)
        _, path = interpolate(codes[first], codes[other], DEFAULT_STEPS)
        decodings = ((path, reducer.inverse_transform(path)),)
    return FirstViews(codes, tuple(maps), (shipped,), RowErrors.of(reducer, dataset.X, "worst"),
                      RowErrors.of(reducer, X_test, random_rows, "best", "worst"), decodings,
                      compare.yardsticks("demo", reducer, dataset.X, train_idx, test_idx, random_state=RANDOM_STATE))


@functools.lru_cache(maxsize=16)
def load_views(run_dir: Path, n_components: int) -> FirstViews | None:
    """The views shipped in demo run ``run_dir`` (read once per process), or None when it ships
    none or they are damaged (the pages then compute them)."""
    path = Path(run_dir) / VIEWS_FILE
    if not path.is_file():
        return None
    try:
        return FirstViews.load(path, n_components)
    except ValueError as exc:
        print(f"aecore.runs.demo_views: skipped {path}: {exc}", file=sys.stderr)
        return None
