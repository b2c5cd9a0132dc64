"""Two trained models side by side: the settings in which they differ, and yardsticks measured on
the same rows (held-out reconstruction error, PCA at the same latent size, how far each one's 2-D
map can be trusted).

Every function takes fitted reducers and arrays and returns plain values; nothing here draws or
caches (see :mod:`aecore.figures.compare` for the figures).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .metrics import pca_baseline, reconstruction_mse, trustworthiness
from .params import CONFIG_SETTINGS

#: Rows drawn on each latent map (and used for its trustworthiness, an O(n^2) measure).
MAP_ROWS = 2000
#: Held-out rows whose reconstructions a comparison shows (the same ones for both models).
SAMPLES = 8
#: Measured on this project's 2-core machines: 2,000 MNIST rows' trustworthiness takes ~0.5 s and
#: PCA's baseline on 4,000 training rows ~1 s; the estimate scales those with the data's size.
_TRUST_SECONDS_PER_UNIT = 1.2e-10
_PCA_SECONDS_PER_VALUE = 3e-7


def settings_diff(config_a, config_b) -> list[tuple[str, object, object]]:
    """The settings in which two training configurations differ.

    Every setting a :class:`~aecore.presets.TrainConfig` holds (:data:`aecore.params.CONFIG_SETTINGS`,
    in their declared order) is compared; equal ones are left out.

    Parameters
    ----------
    config_a, config_b : TrainConfig

    Returns
    -------
    list of (setting name, value of A, value of B)

    Examples
    --------
    >>> from aecore.presets import TrainConfig
    >>> settings_diff(TrainConfig(n_components=2), TrainConfig(n_components=10, kind="vae"))
    [('n_components', 2, 10), ('kind', 'dense', 'vae')]
    """
    for name, config in (("config_a", config_a), ("config_b", config_b)):
        missing = [s.name for s in CONFIG_SETTINGS if not hasattr(config, s.name)]
        if missing:
            raise ValueError(f"{name}={config!r} has no setting {missing[0]!r}; pass a TrainConfig "
                             "(aecore.presets.TrainConfig).")
    return [(s.name, getattr(config_a, s.name), getattr(config_b, s.name)) for s in CONFIG_SETTINGS
            if getattr(config_a, s.name) != getattr(config_b, s.name)]


def sample_rows(n_samples: int, max_rows: int = MAP_ROWS, random_state: int = 0) -> np.ndarray:
    """Sorted ids of a seeded random subsample of at most ``max_rows`` of ``n_samples`` rows.

    Examples
    --------
    >>> sample_rows(5, max_rows=10).tolist()
    [0, 1, 2, 3, 4]
    >>> len(sample_rows(5000, max_rows=2000))
    2000
    """
    if int(n_samples) < 1 or int(max_rows) < 1:
        raise ValueError(f"n_samples={n_samples} and max_rows={max_rows} must both be at least 1; "
                         "pass a dataset with rows.")
    if n_samples <= max_rows:
        return np.arange(int(n_samples))
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(int(n_samples), size=int(max_rows), replace=False))


def map_points(codes, random_state: int = 0) -> tuple[np.ndarray, str]:
    """A 2-D map of latent codes and how it was made.

    Codes of size 2 are their own map (``"codes"``; a size-1 code gets a zero second axis); larger
    codes are mapped by PCA (``"pca"``): fast, and the same method for both models.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_components)
    random_state : int, default=0

    Returns
    -------
    points : ndarray of shape (n_samples, 2), float32
    method : {"codes", "pca"}
    """
    codes = np.asarray(codes, dtype=np.float32)
    if codes.ndim != 2 or len(codes) < 1:
        raise ValueError(f"codes of shape {codes.shape} must be 2-D with at least one row; pass "
                         "reducer.transform(X).")
    if codes.shape[1] <= 2:
        return np.column_stack([codes, np.zeros((len(codes), 2 - codes.shape[1]), np.float32)]), "codes"
    from .maps.projection import project

    return np.asarray(project(codes, "pca", 2, random_state), dtype=np.float32), "pca"


@dataclass(frozen=True)
class ModelMetrics:
    """One model's yardsticks, measured on the same rows as the other model's.

    Attributes
    ----------
    name : str
        How the comparison names the model (e.g. ``"A"``).
    kind : str
    n_components : int
    parameters : int
        Trainable parameters of the whole autoencoder.
    epochs : int
        Epochs it trained for (0 when unknown).
    test_mse : float
        Reconstruction MSE on the held-out rows.
    pca_mse : float
        PCA's MSE on the same rows at the same latent size (NaN when not computed).
    trustworthiness : float
        Of its 2-D map (:func:`aecore.metrics.trustworthiness`; NaN without a map).
    """

    name: str
    kind: str
    n_components: int
    parameters: int
    epochs: int
    test_mse: float
    pca_mse: float
    trustworthiness: float

    @property
    def mse_ratio(self) -> float:
        """The autoencoder's error over PCA's (below 1: it beats PCA); NaN without PCA."""
        if not math.isfinite(self.pca_mse) or self.pca_mse <= 0:
            return float("nan")
        return self.test_mse / self.pca_mse


def model_metrics(name: str, reducer, X_test, *, X_train=None, pca_mse: float | None = None,
                  X_map=None, points=None, reconstruction=None, n_neighbors: int = 10,
                  random_state: int = 0) -> ModelMetrics:
    """The yardsticks of one fitted reducer (see :func:`metrics_rows`); ``reconstruction`` is
    ``reducer.reconstruct(X_test)`` when the caller already has it."""
    X_test = np.asarray(X_test, dtype=np.float32)
    n_features = int(getattr(reducer, "n_features_in_", X_test.shape[-1]))
    if X_test.ndim != 2 or len(X_test) < 1 or X_test.shape[1] != n_features:
        raise ValueError(f"X_test of shape {X_test.shape} does not fit model {name!r}, which encodes rows "
                         f"of {n_features} features; pass held-out rows of the data it was trained on.")
    k = int(reducer.n_components)
    if pca_mse is None:
        pca_mse = float("nan")
        if X_train is not None and k < min(np.shape(X_train)):
            pca_mse = pca_baseline(X_train, k, X_test, random_state=random_state).mse
    trust = float("nan")
    if X_map is not None and points is not None and len(points) > 2 * n_neighbors:
        trust = trustworthiness(X_map, points, n_neighbors=n_neighbors, max_samples=MAP_ROWS,
                                random_state=random_state)
    return ModelMetrics(name=name, kind=str(reducer.kind), n_components=k, parameters=reducer.count_params(),
                        epochs=int(getattr(reducer, "n_epochs_", 0) or 0),
                        test_mse=reconstruction_mse(X_test, reducer.reconstruct(X_test)
                                                    if reconstruction is None else reconstruction),
                        pca_mse=float(pca_mse), trustworthiness=trust)


@dataclass(frozen=True, eq=False)
class Yardsticks:
    """What a comparison measures on one model (:func:`yardsticks`)."""

    metrics: ModelMetrics
    points: np.ndarray  # its 2-D map of the map rows (read-only)
    method: str  # how the map was made: "codes" or "pca"
    samples: np.ndarray  # reconstructions of the SAMPLES held-out rows on show
    feature_errors: np.ndarray  # mean squared error per feature on the held-out rows


def comparison_rows(n_samples: int, n_test: int, random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(map_rows, sample_idx)``: the dataset's rows drawn on the maps, and the positions within
    the held-out rows whose reconstructions are shown; the same for every model of a dataset."""
    return sample_rows(n_samples, MAP_ROWS, random_state), sample_rows(n_test, SAMPLES, random_state)


def yardsticks(name: str, reducer, X, train_idx, test_idx, *, pca_mse: float | None = None,
               random_state: int = 0) -> Yardsticks:
    """One fitted model's yardsticks on a split of ``X`` (rows ``train_idx`` / ``test_idx``): its
    metrics (:func:`model_metrics`), its 2-D map of :func:`comparison_rows`' map rows, the
    reconstructions of the rows on show and the error per feature. ``pca_mse``: PCA's baseline
    when the caller has it, else fitted on the training rows."""
    from .anomaly import per_feature_errors

    X_test, k = X[test_idx], int(reducer.n_components)
    if pca_mse is None:
        pca_mse = pca_baseline(X[train_idx], k, X_test).mse if k < min(len(train_idx), X.shape[1]) else float("nan")
    map_rows, sample_idx = comparison_rows(len(X), len(test_idx), random_state)
    X_map = X[map_rows]
    points, method = map_points(reducer.transform(X_map), random_state=random_state)
    reconstruction = reducer.reconstruct(X_test)
    metrics = model_metrics(name, reducer, X_test, pca_mse=pca_mse, X_map=X_map, points=points,
                            reconstruction=reconstruction, random_state=random_state)
    points.flags.writeable = False  # shared by every session of a server
    return Yardsticks(metrics, points, method, reconstruction[sample_idx],
                      per_feature_errors(X_test, reconstruction).mean(axis=0))


def metrics_rows(models: Mapping[str, object], X_test, *, X_train=None,
                 pca_mse: Mapping[int, float] | None = None, X_map=None,
                 maps: Mapping[str, np.ndarray] | None = None, n_neighbors: int = 10,
                 random_state: int = 0) -> list[ModelMetrics]:
    """Yardsticks of several fitted models measured on the same rows, one row per model.

    Parameters
    ----------
    models : mapping of name -> fitted AutoencoderReducer
        Every model must encode rows of ``X_test``'s width.
    X_test : array-like of shape (n_samples, n_features)
        Held-out rows: each model's reconstruction MSE is measured on them.
    X_train : array-like, optional
        Training rows for PCA's baseline at each model's latent size (fitted once per size).
    pca_mse : mapping of latent size -> float, optional
        PCA baselines already computed (e.g. cached); sizes missing here are fitted on ``X_train``.
    X_map : array-like of shape (n_map, n_features), optional
        The rows the 2-D maps show.
    maps : mapping of name -> ndarray of shape (n_map, 2), optional
        Each model's 2-D map of ``X_map`` (see :func:`map_points`): its trustworthiness is measured.
    n_neighbors : int, default=10
    random_state : int, default=0

    Returns
    -------
    list of ModelMetrics
        In the order of ``models``.

    Examples
    --------
    >>> rows = metrics_rows({"A": reducer_a, "B": reducer_b}, X_test, X_train=X_train)  # doctest: +SKIP
    >>> [(r.name, round(r.test_mse, 4)) for r in rows]  # doctest: +SKIP
    [('A', 0.0201), ('B', 0.0219)]
    """
    known = dict(pca_mse or {})
    rows = []
    for name, reducer in models.items():
        k = int(reducer.n_components)
        if k not in known and X_train is not None:
            X_train = np.asarray(X_train, dtype=np.float32)
            known[k] = (pca_baseline(X_train, k, X_test, random_state=random_state).mse
                        if k < min(X_train.shape) else float("nan"))
        rows.append(model_metrics(name, reducer, X_test, pca_mse=known.get(k, float("nan")), X_map=X_map,
                                  points=None if maps is None else maps.get(name), n_neighbors=n_neighbors,
                                  random_state=random_state))
    return rows


def estimate_seconds(n_features: int, n_map: int = MAP_ROWS, n_train: int = 0, n_models: int = 2) -> float:
    """Rough seconds to measure ``n_models`` models: their maps' trustworthiness on ``n_map`` rows and,
    with ``n_train`` training rows, PCA's baselines.

    Examples
    --------
    >>> 0 < estimate_seconds(784, 2000, 4000) < 10
    True
    """
    trust = n_map ** 2 * (n_features + 200) * _TRUST_SECONDS_PER_UNIT
    pca = n_train * n_features * _PCA_SECONDS_PER_VALUE
    return float(n_models * (trust + pca) + 0.2)
