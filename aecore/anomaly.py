"""Anomaly detection by reconstruction error, measured honestly against two baselines.

An autoencoder trained on normal rows only reconstructs them well and unusual rows badly, so
its per-row reconstruction error is an anomaly score. :func:`evaluate` compares that score
with PCA's reconstruction error at the same ``n_components`` (the linear version of the same
idea) and with scikit-learn's ``IsolationForest`` on the same split, by ROC and
precision-recall curves and their areas.

>>> split = holdout_split(X, y, anomaly_classes=[7])                  # doctest: +SKIP
>>> report = evaluate(split.X_train, split.X_test, split.is_anomaly, 16)  # doctest: +SKIP
>>> report.table()                                                     # doctest: +SKIP
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Callable, NamedTuple, Optional

import numpy as np

from .params import HIDDEN_UNITS

#: Settings of the autoencoder :func:`evaluate` trains when ``reducer_params`` is not given:
#: the recommended dense autoencoder with a fixed epoch budget and early stopping on a
#: validation split of the normal rows (measured in bench/anomaly.py).
DEFAULT_REDUCER_PARAMS = {"kind": "dense", "hidden_units": HIDDEN_UNITS, "epochs": 60,
                          "batch_size": 128, "learning_rate": 1e-3, "early_stopping": True,
                          "patience": 8, "validation_fraction": 0.1}
METHODS = ("autoencoder", "pca", "isolation_forest")
#: The classes a source post treats as anomalies, by built-in dataset name, written once here: the
#: Anomalies page's default and the guided tour's link read it. Post 003 flags the breast-cancer
#: table's malignant tumours, scikit-learn's label 0 (``target_names[0]``); taking its last label
#: instead flagged the benign ones.
POST_ANOMALY_CLASSES = {"breast_cancer": (0,)}


class AnomalySplit(NamedTuple):
    """Rows to train on (normal only) and rows to test on (held-out normal + every anomaly)."""

    X_train: np.ndarray
    X_test: np.ndarray
    is_anomaly: np.ndarray
    train_index: np.ndarray
    test_index: np.ndarray


@dataclass
class MethodResult:
    """Scores of one method on the test rows, with its curves and areas (higher = more anomalous)."""

    name: str
    scores: np.ndarray
    roc_auc: float
    average_precision: float
    fpr: np.ndarray
    tpr: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    train_scores: Optional[np.ndarray] = None
    seconds: float = 0.0


@dataclass
class AnomalyReport:
    """What :func:`evaluate` measured.

    Attributes
    ----------
    methods : dict of str to MethodResult
        ``"autoencoder"``, ``"pca"`` and ``"isolation_forest"``.
    is_anomaly : ndarray of bool
        Ground truth of the test rows.
    n_components : int
    reducer : AutoencoderReducer
        The fitted autoencoder (for reconstructions and per-feature errors).
    pca : sklearn.decomposition.PCA
    """

    methods: dict
    is_anomaly: np.ndarray
    n_components: int
    reducer: object = None
    pca: object = None
    notes: list = field(default_factory=list)

    def table(self) -> list[dict]:
        """One row per method: ROC AUC, average precision, seconds."""
        return [{"method": name, "roc_auc": r.roc_auc, "average_precision": r.average_precision,
                 "seconds": r.seconds} for name, r in self.methods.items()]


def _as_2d(X, name: str) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 2:
        raise ValueError(f"{name} has shape {X.shape}; expected a 2-D array (samples, features) with "
                         "at least 2 features.")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or infinite values; clean or impute them first.")
    return X


def holdout_split(X, y, anomaly_classes, test_fraction: float = 0.3,
                  random_state: int = 0) -> AnomalySplit:
    """Split labelled rows into a normal-only training set and a mixed test set.

    Every row of an ``anomaly_classes`` class goes to the test set; of the other (normal)
    rows, a ``test_fraction`` share goes to the test set (stratified by class) and the rest
    to the training set.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Class labels.
    anomaly_classes : label or sequence of labels
        Classes treated as anomalies (never seen in training).
    test_fraction : float, default=0.3
        Share of the normal rows held out for testing.
    random_state : int, default=0

    Returns
    -------
    AnomalySplit
        ``(X_train, X_test, is_anomaly, train_index, test_index)``.
    """
    from sklearn.model_selection import train_test_split

    X = _as_2d(X, "X")
    y = np.asarray(y).ravel()
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} labels but X has {X.shape[0]} rows; pass one label per row.")
    anomalies = np.atleast_1d(np.asarray(anomaly_classes))
    unknown = [a for a in anomalies.tolist() if a not in set(y.tolist())]
    if anomalies.size == 0 or unknown:
        raise ValueError(f"anomaly_classes={np.asarray(anomaly_classes).tolist()!r} must name classes "
                         f"present in y; y holds {sorted(set(y.tolist()))[:20]}.")
    if not isinstance(test_fraction, numbers.Real) or not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction={test_fraction!r} must be between 0 and 1, e.g. 0.3.")
    is_anomalous_row = np.isin(y, anomalies)
    normal = np.flatnonzero(~is_anomalous_row)
    if normal.size < 4:
        raise ValueError(f"Only {normal.size} normal row(s) remain after removing classes "
                         f"{anomalies.tolist()}; keep more classes as normal.")
    counts = np.unique(y[normal], return_counts=True)[1]
    stratify = y[normal] if counts.min() >= 2 else None
    train_index, normal_test = train_test_split(normal, test_size=test_fraction,
                                                random_state=random_state, stratify=stratify)
    train_index = np.sort(train_index)
    test_index = np.sort(np.concatenate([normal_test, np.flatnonzero(is_anomalous_row)]))
    return AnomalySplit(X_train=X[train_index].astype(np.float32),
                        X_test=X[test_index].astype(np.float32),
                        is_anomaly=is_anomalous_row[test_index], train_index=train_index,
                        test_index=test_index)


def rarest_class(y) -> int:
    """The position, among the sorted labels of ``y``, of its rarest class (the last of equals).

    Anomalies are the minority: in scikit-learn's breast-cancer table that is label 0, the 212
    malignant tumours (against 357 benign); with classes of equal size (the MNIST sample) it is
    the last label.

    Examples
    --------
    >>> rarest_class([0, 0, 1, 1, 1]), rarest_class([0, 1, 2, 2])
    (0, 1)
    """
    labels, counts = np.unique(np.asarray(y).ravel(), return_counts=True)
    if labels.size == 0:
        raise ValueError("y holds no labels; pass one label per row.")
    return int(len(counts) - 1 - np.argmin(counts[::-1]))


def anomaly_classes(dataset_name: Optional[str], y) -> tuple[int, ...]:
    """The classes to evaluate as anomalies: the source post's choice for a built-in table it used
    (:data:`POST_ANOMALY_CLASSES`), otherwise the rarest class (:func:`rarest_class`). Pass None
    for a person's own data, whose file may share a built-in's name but not its labels.

    Examples
    --------
    >>> anomaly_classes("breast_cancer", [0, 1, 1]), anomaly_classes(None, [0, 0, 1])
    ((0,), (1,))
    """
    declared = POST_ANOMALY_CLASSES.get(dataset_name)
    return tuple(declared) if declared is not None else (rarest_class(y),)


def evaluation_params(config) -> dict:
    """The :class:`~aecore.AutoencoderReducer` settings :func:`evaluate` should train with to judge a
    model trained with ``config`` (a :class:`~aecore.presets.TrainConfig`): the same network,
    optimiser, epochs and seed; :func:`evaluate` sets the latent size."""
    params = dict(config.to_dict())
    params.pop("n_components", None)
    return params


def per_feature_errors(X, X_hat) -> np.ndarray:
    """Squared reconstruction error of every value, same shape as ``X``.

    ``per_feature_errors(X, X_hat).mean(axis=0)`` is the mean error per feature (for images,
    reshape it to see *where* reconstructions fail); ``.mean(axis=1)`` is the per-row score.
    """
    X, X_hat = np.asarray(X, dtype=np.float64), np.asarray(X_hat, dtype=np.float64)
    if X.shape != X_hat.shape:
        raise ValueError(f"X has shape {X.shape} but X_hat has shape {X_hat.shape}; pass the "
                         "reconstruction of X (e.g. reducer.reconstruct(X)).")
    return (X - X_hat) ** 2


def threshold_at_percentile(scores, q: float) -> float:
    """The score at percentile ``q`` of ``scores``: rows above it are flagged as anomalies.

    Computed on the scores of normal (training) rows, ``q=95`` flags about 5% of normal rows.
    """
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if scores.size == 0:
        raise ValueError("scores is empty; pass the anomaly scores of at least one row.")
    if not np.isfinite(scores).all():
        raise ValueError("scores contain NaN or infinite values; the model that made them diverged.")
    if not isinstance(q, numbers.Real) or not 0.0 <= q <= 100.0:
        raise ValueError(f"q={q!r} must be a percentile between 0 and 100, e.g. 95.")
    return float(np.percentile(scores, q))


def _result(name: str, is_anomaly: np.ndarray, scores: np.ndarray, train_scores=None,
            seconds: float = 0.0) -> MethodResult:
    from sklearn.metrics import (average_precision_score, precision_recall_curve, roc_auc_score,
                                 roc_curve)

    fpr, tpr, _ = roc_curve(is_anomaly, scores)
    precision, recall, _ = precision_recall_curve(is_anomaly, scores)
    return MethodResult(name=name, scores=scores, roc_auc=float(roc_auc_score(is_anomaly, scores)),
                        average_precision=float(average_precision_score(is_anomaly, scores)),
                        fpr=fpr, tpr=tpr, precision=precision, recall=recall,
                        train_scores=train_scores, seconds=float(seconds))


def evaluate(X_train, X_test, is_anomaly, n_components: int, reducer_params: Optional[dict] = None,
             random_state: int = 0, progress: Optional[Callable[[int, dict], None]] = None
             ) -> AnomalyReport:
    """Score test rows with an autoencoder, PCA and an IsolationForest trained on normal rows.

    Parameters
    ----------
    X_train : array-like of shape (n_train, n_features)
        Normal rows only.
    X_test : array-like of shape (n_test, n_features)
    is_anomaly : array-like of bool, shape (n_test,)
        Ground truth for the test rows; both classes must occur.
    n_components : int
        Latent size of the autoencoder and of PCA.
    reducer_params : dict, optional
        :class:`~aecore.AutoencoderReducer` parameters; default :data:`DEFAULT_REDUCER_PARAMS`.
    random_state : int, default=0
    progress : callable, optional
        ``progress(epoch, logs)`` while the autoencoder trains.

    Returns
    -------
    AnomalyReport
    """
    import time

    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest

    from .reducer import AutoencoderReducer

    X_train, X_test = _as_2d(X_train, "X_train"), _as_2d(X_test, "X_test")
    if X_train.shape[1] != X_test.shape[1]:
        raise ValueError(f"X_train has {X_train.shape[1]} features but X_test has {X_test.shape[1]}; "
                         "both must come from the same table.")
    truth = np.asarray(is_anomaly).ravel()
    if truth.shape[0] != X_test.shape[0]:
        raise ValueError(f"is_anomaly has {truth.shape[0]} values but X_test has {X_test.shape[0]} "
                         "rows; pass one flag per test row.")
    if truth.dtype.kind not in "bi" or not set(np.unique(truth).tolist()) <= {0, 1}:
        raise ValueError("is_anomaly must hold booleans (True for anomalies).")
    truth = truth.astype(bool)
    if truth.all() or not truth.any():
        raise ValueError(f"is_anomaly holds {int(truth.sum())} anomalies among {truth.size} rows; the "
                         "test set needs both normal rows and anomalies to draw ROC curves.")
    if not isinstance(n_components, numbers.Integral) or not 1 <= n_components < min(X_train.shape):
        raise ValueError(f"n_components={n_components!r} must be a positive integer smaller than the "
                         f"number of features and training rows {X_train.shape}.")
    params = dict(DEFAULT_REDUCER_PARAMS if reducer_params is None else reducer_params)
    params.setdefault("random_state", random_state)
    params["n_components"] = int(n_components)
    X_train32, X_test32 = X_train.astype(np.float32), X_test.astype(np.float32)

    methods = {}
    t0 = time.perf_counter()
    reducer = AutoencoderReducer(**params).fit(X_train32, progress=progress)
    methods["autoencoder"] = _result("autoencoder", truth, reducer.reconstruction_error(X_test32).astype(np.float64),
                                     reducer.reconstruction_error(X_train32), time.perf_counter() - t0)

    t0 = time.perf_counter()
    pca = PCA(n_components=int(n_components), random_state=random_state).fit(X_train)

    def pca_scores(X):
        return per_feature_errors(X, pca.inverse_transform(pca.transform(X))).mean(axis=1)

    methods["pca"] = _result("pca", truth, pca_scores(X_test), pca_scores(X_train),
                             time.perf_counter() - t0)

    t0 = time.perf_counter()
    forest = IsolationForest(n_estimators=200, random_state=random_state).fit(X_train)
    # score_samples is high for normal rows; negate it so that higher means more anomalous.
    methods["isolation_forest"] = _result("isolation_forest", truth, -forest.score_samples(X_test),
                                          -forest.score_samples(X_train), time.perf_counter() - t0)
    return AnomalyReport(methods=methods, is_anomaly=truth, n_components=int(n_components),
                         reducer=reducer, pca=pca)
