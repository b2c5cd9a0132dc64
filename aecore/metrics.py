"""Honest yardsticks: reconstruction error, the PCA baseline at the same size, and the
principal angles between an autoencoder's decoder subspace and PCA's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported where used: pages that only show shipped results never load scikit-learn
    from sklearn.decomposition import PCA


def reconstruction_mse(X, X_hat) -> float:
    """Mean squared error over all entries (in float64, a block of rows at a time: whole float64
    copies of 12,000 MNIST rows and their reconstructions took ~300 MB at once)."""
    X, X_hat = np.asarray(X), np.asarray(X_hat)
    if X.shape != X_hat.shape:
        raise ValueError(f"X has shape {X.shape} but the reconstruction has shape {X_hat.shape}.")
    if X.ndim < 2 or X.size == 0:
        return float(np.mean((X.astype(np.float64) - X_hat.astype(np.float64)) ** 2))
    total = sum(float(np.sum((X[i:i + 4096].astype(np.float64) - X_hat[i:i + 4096].astype(np.float64)) ** 2))
                for i in range(0, len(X), 4096))
    return total / X.size


def per_sample_mse(X, X_hat) -> np.ndarray:
    """Mean squared error of each row."""
    return np.mean((np.asarray(X, np.float64) - np.asarray(X_hat, np.float64)) ** 2, axis=1)


@dataclass
class PCABaseline:
    """PCA fitted at the same latent size, with its reconstructions and error."""

    pca: PCA
    codes: np.ndarray
    reconstruction: np.ndarray
    mse: float


def _floating(X) -> np.ndarray:
    """``X`` as an array of its own floating dtype (float32 or float64), other dtypes as float64."""
    X = np.asarray(X)
    return X if X.dtype in (np.float32, np.float64) else X.astype(np.float64)


def pca_baseline(X_train, n_components: int, X_eval=None, random_state: int = 0) -> PCABaseline:
    """Fit PCA with ``n_components`` on ``X_train``; evaluate on ``X_eval`` (default: the train set).

    PCA is the best *linear* code of that size (Eckart-Young), so it is the number an
    autoencoder has to beat.
    """
    # float32 stays float32 (as the models see it): upcasting 54,000 MNIST rows for the Train
    # page's baseline cost ~320 MB more peak memory than the fit itself (bench/scale_pages.py).
    X_train = _floating(X_train)
    X_eval = X_train if X_eval is None else _floating(X_eval)
    if n_components >= min(X_train.shape):
        raise ValueError(f"n_components={n_components} must be smaller than both the number of samples "
                         f"and features {X_train.shape}.")
    from sklearn.decomposition import PCA

    pca = PCA(n_components=n_components, random_state=random_state).fit(X_train)
    codes = pca.transform(X_eval)
    recon = pca.inverse_transform(codes)
    return PCABaseline(pca=pca, codes=codes, reconstruction=recon, mse=reconstruction_mse(X_eval, recon))


def decoder_subspace(reducer) -> np.ndarray:
    """Orthonormal basis (n_features, n_components) of a linear decoder's column space."""
    kernel = np.asarray(reducer.decoder_.get_layer("reconstruction").kernel)  # (k, d)
    q, _ = np.linalg.qr(kernel.T.astype(np.float64))
    return q


def principal_angles_degrees(basis_a, basis_b) -> np.ndarray:
    """Principal angles between the column spaces of two (d, k) matrices, largest first, in degrees."""
    from scipy.linalg import subspace_angles

    return np.degrees(subspace_angles(np.asarray(basis_a, np.float64), np.asarray(basis_b, np.float64)))


def compare_linear_to_pca(reducer, X) -> dict:
    """The seed-000 yardstick: a linear autoencoder's MSE and subspace against PCA's."""
    X = np.asarray(X, dtype=np.float64)
    baseline = pca_baseline(X, reducer.n_components)
    ae_mse = reconstruction_mse(X, reducer.reconstruct(X))
    angles = principal_angles_degrees(decoder_subspace(reducer), baseline.pca.components_.T)
    return {"ae_mse": ae_mse, "pca_mse": baseline.mse, "mse_ratio": ae_mse / baseline.mse,
            "max_angle_deg": float(angles.max()), "angles_deg": angles.tolist()}


# --------------------------------------------------------------------------- clusters and maps


def _check_labelings(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Return two 1-D integer label arrays of the same length, or raise."""
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} labels but y_pred has {y_pred.size}; pass one "
                         "label per sample in both.")
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty; pass at least one label.")
    return y_true, y_pred


def _matching(y_true: np.ndarray, y_pred: np.ndarray):
    """Classes, clusters (noise excluded), their contingency table and the best one-to-one matching."""
    from scipy.optimize import linear_sum_assignment

    classes = np.unique(y_true)
    clusters = np.unique(y_pred[y_pred != -1])
    table = np.zeros((len(classes), len(clusters)), dtype=np.int64)
    kept = y_pred != -1
    np.add.at(table, (np.searchsorted(classes, y_true[kept]), np.searchsorted(clusters, y_pred[kept])), 1)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return classes, clusters, table, rows, cols


def clustering_accuracy(y_true, y_pred) -> float:
    """Unsupervised clustering accuracy (ACC): the accuracy under the best cluster-to-class matching.

    Each cluster is matched to at most one class (Hungarian algorithm,
    ``scipy.optimize.linear_sum_assignment``) so that the number of samples whose cluster is
    matched to their class is largest. Clusters left without a class, and noise (label -1,
    as HDBSCAN marks it), count as errors. This is the ACC of DEC, IDEC and N2D.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_pred : array-like of shape (n_samples,)
        Cluster labels; their numbering does not matter and their number may differ from the
        number of classes.

    Returns
    -------
    float
        Between 0 and 1.

    Examples
    --------
    >>> clustering_accuracy([0, 0, 1, 1], [5, 5, 3, 3])
    1.0
    """
    y_true, y_pred = _check_labelings(y_true, y_pred)
    _, _, table, rows, cols = _matching(y_true, y_pred)
    return float(table[rows, cols].sum() / y_true.size)


@dataclass
class MatchedConfusion:
    """A confusion matrix whose columns (clusters) follow the best matching to the rows (classes).

    Unpacks as ``matrix, row_labels, col_labels = matched_confusion(y_true, y_pred)``.
    """

    matrix: np.ndarray
    row_labels: np.ndarray
    col_labels: np.ndarray

    def __iter__(self):
        return iter((self.matrix, self.row_labels, self.col_labels))


def matched_confusion(y_true, y_pred) -> MatchedConfusion:
    """Confusion matrix of classes against clusters, clusters reordered to match the classes.

    Column ``i`` holds the cluster matched to the class of row ``i`` (as in
    :func:`clustering_accuracy`), so a perfect clustering is a diagonal matrix. Clusters
    matched to no class follow, largest first, and noise (label -1) comes last.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_pred : array-like of shape (n_samples,)
        Cluster labels.

    Returns
    -------
    MatchedConfusion
        ``(matrix, row_labels, col_labels)``: counts of shape (n_classes, n_columns), the class
        of each row and the cluster label of each column.

    Examples
    --------
    >>> m = matched_confusion([0, 0, 1, 1, 1], [7, 7, 2, 2, -1])
    >>> m.matrix.tolist(), m.col_labels.tolist()
    ([[2, 0, 0], [0, 2, 1]], [7, 2, -1])
    """
    y_true, y_pred = _check_labelings(y_true, y_pred)
    classes, clusters, table, rows, cols = _matching(y_true, y_pred)
    # Matched clusters in the order of their classes, then the rest by size.
    order = list(cols[np.argsort(rows)])
    rest = [c for c in np.argsort(-table.sum(axis=0), kind="stable") if c not in set(order)]
    columns = [table[:, c] for c in order + rest]
    col_labels = [clusters[c] for c in order + rest]
    noise = y_pred == -1
    if noise.any():
        columns.append(np.array([np.sum(noise & (y_true == c)) for c in classes]))
        col_labels.append(-1)
    matrix = np.column_stack(columns) if columns else np.zeros((len(classes), 0), dtype=np.int64)
    return MatchedConfusion(matrix.astype(np.int64), classes, np.asarray(col_labels))


def majority_labels(y_true, y_pred) -> dict:
    """The most frequent true class of each cluster (noise, -1, left out).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_pred : array-like of shape (n_samples,)
        Cluster labels.

    Returns
    -------
    dict
        Cluster label -> its majority class (ties go to the smallest class).

    Examples
    --------
    >>> majority_labels([6, 6, 1, 1, 1], [3, 3, 3, 0, -1])
    {0: 1, 3: 6}
    """
    y_true, y_pred = _check_labelings(y_true, y_pred)
    majorities = {}
    for cluster_id in np.unique(y_pred[y_pred != -1]):
        classes, counts = np.unique(y_true[y_pred == cluster_id], return_counts=True)
        majorities[cluster_id.item()] = classes[np.argmax(counts)].item()
    return majorities


def cluster_scores(X, labels, y_true=None, max_samples: int = 2000, random_state: int = 0) -> dict:
    """Quality of a clustering: silhouette always, ACC / NMI / ARI when true labels are known.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The points that were clustered (e.g. latent codes or their UMAP embedding).
    labels : array-like of shape (n_samples,)
        Cluster labels; -1 marks noise, which the silhouette leaves out.
    y_true : array-like of shape (n_samples,), optional
        True classes.
    max_samples : int, default=2000
        The silhouette is computed on a seeded random subsample of at most this many rows
        (it costs O(n^2)).
    random_state : int, default=0

    Returns
    -------
    dict
        ``silhouette`` (NaN with fewer than 2 clusters), ``n_clusters``, ``noise_fraction`` and,
        with ``y_true``, ``acc``, ``nmi`` and ``ari``.

    Examples
    --------
    >>> X = np.r_[np.zeros((5, 2)), np.ones((5, 2))] + np.arange(10)[:, None] * 1e-3
    >>> round(cluster_scores(X, [0] * 5 + [1] * 5, y_true=[1] * 5 + [0] * 5)["acc"], 2)
    1.0
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score

    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels).ravel()
    if X.ndim != 2 or X.shape[0] != labels.size:
        raise ValueError(f"X of shape {X.shape} and labels of length {labels.size} do not match; pass "
                         "a 2-D X with one label per row.")
    kept = np.flatnonzero(labels != -1)
    n_clusters = int(np.unique(labels[kept]).size)
    scores = {"silhouette": float("nan"), "n_clusters": n_clusters,
              "noise_fraction": float(1 - kept.size / max(labels.size, 1))}
    if 2 <= n_clusters < kept.size:
        rng = np.random.default_rng(random_state)
        if kept.size > max_samples:
            kept = np.sort(rng.choice(kept, size=max_samples, replace=False))
        if np.unique(labels[kept]).size >= 2:
            scores["silhouette"] = float(silhouette_score(X[kept], labels[kept]))
    if y_true is not None:
        y_true, labels = _check_labelings(y_true, labels)
        scores.update(acc=clustering_accuracy(y_true, labels),
                      nmi=float(normalized_mutual_info_score(y_true, labels)),
                      ari=float(adjusted_rand_score(y_true, labels)))
    return scores


SCORE_LEVELS = ("none", "weak", "moderate", "strong")
# Lower bounds of "weak", "moderate" and "strong" for each score of :func:`cluster_scores`.
SCORE_THRESHOLDS = {
    # Kaufman & Rousseeuw (1990), "Finding Groups in Data": below 0.25 no substantial structure,
    # 0.26-0.50 weak, 0.51-0.70 reasonable, above 0.70 strong.
    "silhouette": (0.25, 0.5, 0.7),
    # ARI is 0 for a chance partition (Hubert & Arabie 1985); Steinley (2004) reads 0.65 as moderate
    # and 0.80 as good recovery; below 0.05 it is indistinguishable from chance here.
    "ari": (0.05, 0.65, 0.8),
    # NMI has no published scale; it is near 0 for chance and reads higher than ARI for the same
    # partition, so its bounds sit a little below ARI's (a rule of thumb, not a test).
    "nmi": (0.1, 0.5, 0.75),
    # Accuracy is read above chance: (acc - 1/k) / (1 - 1/k), 0 at chance and 1 when perfect.
    "acc": (0.1, 0.5, 0.8),
}


def score_level(name: str, value: float, n_classes: int | None = None) -> str:
    """How strong a clustering score is, in one word: ``"none"``, ``"weak"``, ``"moderate"`` or ``"strong"``.

    The bounds are :data:`SCORE_THRESHOLDS`: the silhouette's are Kaufman & Rousseeuw's, ARI's
    Steinley's (0 is chance for both NMI and ARI); accuracy is measured above chance, ``1 / n_classes``.

    Parameters
    ----------
    name : {"silhouette", "nmi", "ari", "acc"}
        A key of :func:`cluster_scores`.
    value : float
        The score. NaN (a silhouette with fewer than two clusters) gives ``"undefined"``.
    n_classes : int, optional
        The number of true classes; needed for ``"acc"``.

    Returns
    -------
    str
        One of :data:`SCORE_LEVELS`, or ``"undefined"``.

    Examples
    --------
    >>> score_level("silhouette", 0.683), score_level("ari", 0.02), score_level("acc", 0.52, n_classes=10)
    ('moderate', 'none', 'weak')
    """
    if name not in SCORE_THRESHOLDS:
        raise ValueError(f"name={name!r} is not a score this reads; choose one of {sorted(SCORE_THRESHOLDS)}.")
    value = float(value)
    if not np.isfinite(value):
        return "undefined"
    if name == "acc":
        if n_classes is None or int(n_classes) < 2:
            raise ValueError(f"n_classes={n_classes!r}: accuracy is read against chance (1 / n_classes), "
                             "so pass the number of true classes (at least 2).")
        chance = 1.0 / int(n_classes)
        value = (value - chance) / (1.0 - chance)
    return SCORE_LEVELS[int(np.searchsorted(SCORE_THRESHOLDS[name], value, side="right"))]


def _paired_subsample(n: int, max_samples: int, random_state: int) -> np.ndarray:
    """Sorted row indices of a seeded subsample of at most ``max_samples`` rows."""
    if n <= max_samples:
        return np.arange(n)
    return np.sort(np.random.default_rng(random_state).choice(n, size=max_samples, replace=False))


def trustworthiness(X_high, X_low, n_neighbors: int = 10, max_samples: int = 2000,
                    random_state: int = 0) -> float:
    """How far a map can be trusted: 1 when every map neighbour is a true neighbour.

    ``sklearn.manifold.trustworthiness`` on a seeded subsample of rows (it costs O(n^2)),
    the same rows taken from both spaces.

    Parameters
    ----------
    X_high : array-like of shape (n_samples, n_features)
        The original points (or codes).
    X_low : array-like of shape (n_samples, n_components)
        Their map.
    n_neighbors : int, default=10
    max_samples : int, default=2000
    random_state : int, default=0

    Returns
    -------
    float
        Between 0 and 1 (about 0.5 for a random map).

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> trustworthiness(X, X[:, :2]) > 0.8
    True
    """
    from sklearn.manifold import trustworthiness as sk_trustworthiness

    X_high, X_low = np.asarray(X_high, dtype=np.float64), np.asarray(X_low, dtype=np.float64)
    if X_high.ndim != 2 or X_low.ndim != 2 or X_high.shape[0] != X_low.shape[0]:
        raise ValueError(f"X_high {X_high.shape} and X_low {X_low.shape} must be 2-D with the same "
                         "number of rows (one map point per sample).")
    rows = _paired_subsample(X_high.shape[0], int(max_samples), random_state)
    if not 1 <= n_neighbors < len(rows) / 2:
        raise ValueError(f"n_neighbors={n_neighbors} must be at least 1 and below half the number of "
                         f"rows used ({len(rows)}); choose a smaller n_neighbors.")
    return float(sk_trustworthiness(X_high[rows], X_low[rows], n_neighbors=int(n_neighbors)))


def knn_accuracy(X_low, y, n_neighbors: int = 5, cv: int = 5) -> float:
    """Cross-validated accuracy of a k-nearest-neighbour classifier on a map.

    High when the classes stay together in the map: a plain yardstick of how much class
    structure a 2-D map keeps.

    Parameters
    ----------
    X_low : array-like of shape (n_samples, n_components)
    y : array-like of shape (n_samples,)
        Class labels.
    n_neighbors : int, default=5
    cv : int, default=5
        Stratified folds (clipped to the size of the smallest class).

    Returns
    -------
    float
        Mean accuracy over the folds.

    Examples
    --------
    >>> X = np.r_[np.zeros((10, 2)), np.ones((10, 2))]
    >>> knn_accuracy(X, [0] * 10 + [1] * 10)
    1.0
    """
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    X_low, y = np.asarray(X_low, dtype=np.float64), np.asarray(y).ravel()
    if X_low.ndim != 2 or X_low.shape[0] != y.size:
        raise ValueError(f"X_low of shape {X_low.shape} and y of length {y.size} do not match; pass "
                         "one label per map point.")
    smallest = int(np.unique(y, return_counts=True)[1].min())
    folds = min(int(cv), smallest)
    if folds < 2:
        raise ValueError(f"The smallest class has {smallest} sample(s); cross-validation needs at "
                         "least 2 per class. Drop rare classes or pass more data.")
    if not 1 <= n_neighbors < y.size * (folds - 1) / folds:
        raise ValueError(f"n_neighbors={n_neighbors} must be at least 1 and smaller than a training "
                         "fold; choose a smaller n_neighbors.")
    model = KNeighborsClassifier(n_neighbors=int(n_neighbors))
    return float(np.mean(cross_val_score(model, X_low, y, cv=folds)))
