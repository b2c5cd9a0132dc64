"""Watch a latent space form: a fixed subset's codes after every epoch, kept as a 2-D history.

:class:`LatentSnapshots` is what :meth:`AutoencoderReducer.fit` uses: it picks at most
:data:`MAX_ROWS` rows of the training data once (seeded), encodes them at the end of epochs and,
when training ends, reduces every snapshot to two dimensions the same way, so that frames can be
compared: the codes themselves for a 2-D latent space (a 1-D one is drawn against zeros), otherwise
ONE PCA fitted on the last snapshot's codes and applied to every snapshot. The result is a small
:class:`LatentHistory` (about 8 kB per kept epoch), saved with a run as ``latent_history.npz``.

A linear autoencoder (``kind="linear"``, post 000) also keeps its decoder's weights per snapshot:
the plane it can reconstruct, which :func:`decoder_planes` turns into bases and centres and
:func:`plane_angles` compares with PCA's.

No Streamlit here; TensorFlow is used only through the encoder passed in.
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

#: Rows of the training data that are encoded after each epoch.
MAX_ROWS = 1000
#: Snapshots kept at most; a longer training keeps every ``ceil(epochs / MAX_FRAMES)``-th epoch.
MAX_FRAMES = 100
#: Most bytes the full-size codes of all snapshots may hold while training runs.
MAX_CODE_BYTES = 32 * 1024 * 1024
#: Largest linear decoder (values in its kernel) whose weights are kept per snapshot.
MAX_PLANE_VALUES = 4096
#: Most bytes the arrays of a stored history may declare (frames x rows x 2 floats, the losses and
#: the decoder planes stay well below it).
MAX_STORED_BYTES = 16 * 1024 * 1024
METHODS = ("codes", "pca")


@dataclass(frozen=True, eq=False)
class LatentHistory:
    """A fixed subset's 2-D view after each kept epoch of a training.

    Attributes
    ----------
    points : ndarray of shape (n_frames, n_rows, 2), float32
        Frame ``i`` is the view of the rows after epoch ``epochs[i]``.
    epochs : ndarray of shape (n_frames,), int
        The epochs kept (counting from 1), increasing.
    indices : ndarray of shape (n_rows,), int
        The rows of the data passed to ``fit`` that were encoded, increasing.
    n_samples : int
        How many rows that data had (to check that labels belong to it).
    method : {"codes", "pca"}
        ``"codes"``: the codes themselves (a 1-D code is drawn against zeros); ``"pca"``: one PCA
        fitted on the last frame's codes and applied to every frame, so the axes stay put.
    n_components : int
        The latent size.
    loss, val_loss : ndarray of shape (n_frames,), float
        The losses logged at those epochs (``val_loss`` is None without a validation split).
    decoder_kernels : ndarray of shape (n_frames, n_components, n_features) or None
        A linear decoder's weights per frame (``kind="linear"`` only).
    decoder_biases : ndarray of shape (n_frames, n_features) or None
    """

    points: np.ndarray
    epochs: np.ndarray
    indices: np.ndarray
    n_samples: int
    method: str
    n_components: int
    loss: np.ndarray
    val_loss: Optional[np.ndarray] = None
    decoder_kernels: Optional[np.ndarray] = None
    decoder_biases: Optional[np.ndarray] = None

    @property
    def n_frames(self) -> int:
        return int(self.points.shape[0])

    @property
    def n_rows(self) -> int:
        return int(self.points.shape[1])

    def save(self, path) -> None:
        """Write the history as a plain ``.npz`` (no pickles)."""
        arrays = {"points": self.points.astype(np.float32), "epochs": self.epochs.astype(np.int64),
                  "indices": self.indices.astype(np.int64), "loss": self.loss.astype(np.float64),
                  "n_samples": np.int64(self.n_samples), "n_components": np.int64(self.n_components),
                  "method": np.str_(self.method)}
        for name in ("val_loss", "decoder_kernels", "decoder_biases"):
            value = getattr(self, name)
            if value is not None:
                arrays[name] = np.asarray(value, dtype=np.float32 if name != "val_loss" else np.float64)
        with open(os.fspath(path), "wb") as f:
            np.savez_compressed(f, **arrays)

    @classmethod
    def load(cls, path, n_components: Optional[int] = None) -> "LatentHistory":
        """Read a history written by :meth:`save`; ``ValueError`` naming what is wrong otherwise.

        ``n_components``, when given, must match the saved latent size (the run's model).
        """
        name = os.path.basename(os.fspath(path))
        try:
            _check_stored_size(path)
            with np.load(os.fspath(path), allow_pickle=False) as stored:
                arrays = {key: stored[key] for key in stored.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise ValueError(f"{name} is not a plain .npz file ({exc}); the run is damaged. "
                             "Train it again.") from exc
        problem = _problem(arrays, n_components)
        if problem:
            raise ValueError(f"{name}: {problem}; the run is damaged. Train it again.")
        optional = {key: arrays[key] for key in ("val_loss", "decoder_kernels", "decoder_biases")
                    if key in arrays}
        return cls(points=arrays["points"].astype(np.float32), epochs=arrays["epochs"].astype(np.int64),
                   indices=arrays["indices"].astype(np.int64), n_samples=int(arrays["n_samples"]),
                   method=str(arrays["method"]), n_components=int(arrays["n_components"]),
                   loss=arrays["loss"].astype(np.float64), **optional)


def _check_stored_size(path) -> None:
    """``ValueError`` when the arrays an .npz file declares would take more than
    :data:`MAX_STORED_BYTES` once read: its members may be compressed, so a small file from an
    uploaded run could otherwise unpack into gigabytes. Only the arrays' headers are read."""
    total = 0
    with zipfile.ZipFile(os.fspath(path)) as archive:
        for member in archive.infolist():
            with archive.open(member) as stream:
                version = np.lib.format.read_magic(stream)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read_header(stream)
            total += math.prod(shape) * dtype.itemsize
            if total > MAX_STORED_BYTES:
                raise ValueError(f"its arrays declare more than {MAX_STORED_BYTES // 2**20} MB; a latent history "
                                 "holds a few MB at most")


def _problem(arrays: dict, n_components: Optional[int]) -> Optional[str]:
    """What is wrong with a stored history's arrays, or None."""
    needed = ("points", "epochs", "indices", "loss", "n_samples", "n_components", "method")
    missing = [key for key in needed if key not in arrays]
    if missing:
        return f"missing {missing}"
    unknown = sorted(set(arrays) - set(needed) - {"val_loss", "decoder_kernels", "decoder_biases"})
    if unknown:
        return f"unknown arrays {unknown}"
    points, epochs, indices = arrays["points"], arrays["epochs"], arrays["indices"]
    if points.ndim != 3 or points.shape[2] != 2 or points.dtype.kind != "f" or points.shape[0] < 1:
        return f"points have shape {points.shape} and dtype {points.dtype}; expected floats (frames, rows, 2)"
    n_frames, n_rows = points.shape[:2]
    if n_frames > MAX_FRAMES + 1 or n_rows > MAX_ROWS:
        return f"{n_frames} frames of {n_rows} rows is more than {MAX_FRAMES + 1} frames of {MAX_ROWS}"
    if not np.isfinite(points).all():
        return "points hold NaN or infinite values"
    if epochs.shape != (n_frames,) or epochs.dtype.kind not in "iu" or (np.diff(epochs) <= 0).any() \
            or epochs.min() < 1:
        return f"epochs must be {n_frames} increasing whole numbers from 1"
    for key in ("loss", "val_loss"):
        if key in arrays and (arrays[key].shape != (n_frames,) or arrays[key].dtype.kind != "f"):
            return f"{key} has shape {arrays[key].shape}; expected ({n_frames},)"
    n_samples, k = arrays["n_samples"], arrays["n_components"]
    if n_samples.shape != () or k.shape != () or n_samples.dtype.kind not in "iu" or k.dtype.kind not in "iu":
        return "n_samples and n_components must be whole numbers"
    if indices.shape != (n_rows,) or indices.dtype.kind not in "iu" or (n_rows and (
            indices.min() < 0 or indices.max() >= n_samples or (np.diff(indices) <= 0).any())):
        return f"indices must be {n_rows} increasing row numbers below n_samples={int(n_samples)}"
    if n_components is not None and int(k) != int(n_components):
        return f"n_components={int(k)} but the model has {n_components}"
    if arrays["method"].shape != () or str(arrays["method"]) not in METHODS:
        return f"method must be one of {list(METHODS)}"
    if ("decoder_kernels" in arrays) != ("decoder_biases" in arrays):
        return "decoder_kernels and decoder_biases come together"
    if "decoder_kernels" in arrays:
        kernels, biases = arrays["decoder_kernels"], arrays["decoder_biases"]
        if kernels.ndim != 3 or kernels.shape[:2] != (n_frames, int(k)) or kernels.dtype.kind != "f" \
                or kernels[0].size > MAX_PLANE_VALUES or biases.shape != (n_frames, kernels.shape[2]) \
                or biases.dtype.kind != "f":
            return f"decoder_kernels {kernels.shape} and decoder_biases {biases.shape} do not match"
    return None


class LatentSnapshots:
    """Encode a fixed subset of the training rows at the end of epochs, during a fit.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The data passed to ``fit``; ``min(MAX_ROWS, n_samples)`` of its rows are chosen once.
    n_components : int
        The latent size.
    total_epochs : int
        The most epochs the fit may run: with more than :data:`MAX_FRAMES` (or more than the
        memory cap allows for a wide latent space), every ``every``-th epoch is kept.
    seed : int
        Chooses the rows.

    Use :meth:`watch` once the models exist, :meth:`listening` as the fit's progress hook, and
    :meth:`finish` when it ends (also after an interruption).
    """

    def __init__(self, X: np.ndarray, n_components: int, total_epochs: int, seed: int):
        n = len(X)
        rng = np.random.default_rng(seed)
        self.indices = np.sort(rng.choice(n, size=min(MAX_ROWS, n), replace=False)).astype(np.int64)
        self.X = np.asarray(X[self.indices], dtype=np.float32)
        self.n_samples = n
        self.n_components = int(n_components)
        per_frame = max(1, len(self.indices) * self.n_components * 4)
        max_frames = max(2, min(MAX_FRAMES, MAX_CODE_BYTES // per_frame))
        self.every = max(1, math.ceil(int(total_epochs) / max_frames))
        self.encoder = None
        self.decoder_layer = None
        self.frames: dict[int, tuple] = {}

    def watch(self, encoder, decoder=None) -> None:
        """Encode with ``encoder``; keep the weights of a linear ``decoder`` too (its Dense layer
        ``reconstruction``), when it is small."""
        self.encoder = encoder
        self.decoder_layer = None
        if decoder is not None:
            layer = decoder.get_layer("reconstruction")
            if int(np.prod(layer.kernel.shape)) <= MAX_PLANE_VALUES:
                self.decoder_layer = layer

    def listening(self, progress: Optional[Callable[[int, dict], None]]) -> Callable[[int, dict], None]:
        """A progress hook that snapshots the kept epochs, then calls ``progress``."""
        def hook(epoch: int, logs: dict) -> None:
            if epoch == 1 or epoch % self.every == 0:
                self.record(epoch)
            if progress is not None:
                progress(epoch, logs)

        return hook

    def record(self, epoch: int) -> None:
        """Encode the rows with the model's current weights, as the snapshot of ``epoch``."""
        codes = np.concatenate([np.asarray(self.encoder(self.X[i:i + 4096], training=False))
                                for i in range(0, len(self.X), 4096)]).astype(np.float32)
        plane = None
        if self.decoder_layer is not None:
            kernel, bias = self.decoder_layer.get_weights()
            plane = (np.asarray(kernel, np.float32), np.asarray(bias, np.float32))
        self.frames[int(epoch)] = (codes, plane)

    def finish_fit(self, monitor) -> Optional[LatentHistory]:
        """:meth:`finish` after a fit watched by ``monitor`` (an :class:`aecore.training.monitor.TrainingMonitor`):
        the weights kept are the best epoch's after early stopping, a stop or NaN, else the last's."""
        restored = monitor.keep_best or monitor.stopped_reason != "completed"
        return self.finish(monitor.best_epoch if restored else monitor.epochs_run, monitor.history)

    def finish(self, kept_epoch: int, history: dict) -> Optional[LatentHistory]:
        """The history of this fit, or None when no epoch ended with finite codes.

        ``kept_epoch`` is the epoch whose weights the model holds now (the best one after early
        stopping or a stop); it is snapshotted too when it was not kept on the way.
        """
        if kept_epoch >= 1 and kept_epoch not in self.frames and self.encoder is not None:
            self.record(kept_epoch)
        epochs = sorted(e for e, (codes, _) in self.frames.items() if np.isfinite(codes).all())
        self.frames = {e: self.frames[e] for e in epochs}
        if not epochs:
            return None
        codes = np.stack([self.frames[e][0] for e in epochs])
        points, method = reduce_to_2d(codes)

        def at_epochs(key: str) -> Optional[np.ndarray]:
            values = history.get(key)
            if not values:
                return None
            return np.array([values[e - 1] if e - 1 < len(values) else np.nan for e in epochs], np.float64)

        kernels = biases = None
        if self.decoder_layer is not None:
            kernels = np.stack([self.frames[e][1][0] for e in epochs])
            biases = np.stack([self.frames[e][1][1] for e in epochs])
        loss = at_epochs("loss")
        return LatentHistory(points=points, epochs=np.asarray(epochs, np.int64), indices=self.indices,
                             n_samples=self.n_samples, method=method, n_components=self.n_components,
                             loss=np.full(len(epochs), np.nan) if loss is None else loss,
                             val_loss=at_epochs("val_loss"), decoder_kernels=kernels,
                             decoder_biases=biases)


def reduce_to_2d(codes: np.ndarray) -> tuple[np.ndarray, str]:
    """Every frame's codes (n_frames, n_rows, k) in two dimensions, the same way for all frames.

    Returns ``(points of shape (n_frames, n_rows, 2), method)``: ``"codes"`` when ``k <= 2`` (a
    1-D code gets a second column of zeros), else ``"pca"``: the two leading principal axes of the
    LAST frame's codes, applied to every frame, so that the axes do not jump between frames.
    """
    codes = np.asarray(codes, dtype=np.float64)
    n_frames, n_rows, k = codes.shape
    if k <= 2:
        points = np.zeros((n_frames, n_rows, 2))
        points[:, :, :k] = codes
        return points.astype(np.float32), "codes"
    final = codes[-1]
    mean = final.mean(axis=0)
    _, _, vt = np.linalg.svd(final - mean, full_matrices=False)
    axes = vt[:2]
    # An SVD's signs are arbitrary: point each axis towards its largest loading, for stable pictures.
    signs = np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])
    axes = axes * np.where(signs == 0, 1.0, signs)[:, None]
    points = np.zeros((n_frames, n_rows, 2))
    points[:, :, :len(axes)] = (codes - mean) @ axes.T
    return points.astype(np.float32), "pca"


def decoder_planes(history: LatentHistory, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A linear decoder's plane after each frame: ``(bases, centres)``.

    ``bases`` (n_frames, n_features, k) are orthonormal bases of the decoder's column space;
    ``centres`` (n_frames, n_features) are the points of each plane closest to the mean of ``X``
    (the decoder's bias moved along the plane), where a drawing of the plane is centred.
    """
    if history.decoder_kernels is None:
        raise ValueError("This history holds no decoder weights: only a linear autoencoder "
                         "(kind='linear') keeps its plane per epoch. Train one with kind='linear'.")
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != history.decoder_kernels.shape[2]:
        raise ValueError(f"X has shape {X.shape}; expected (n_samples, {history.decoder_kernels.shape[2]}) "
                         "like the data the autoencoder was trained on.")
    mean = X.mean(axis=0)
    bases, centres = [], []
    for kernel, bias in zip(history.decoder_kernels.astype(np.float64), history.decoder_biases.astype(np.float64)):
        q, _ = np.linalg.qr(kernel.T)
        bases.append(q)
        centres.append(bias + q @ (q.T @ (mean - bias)))
    return np.stack(bases), np.stack(centres)


def plane_angles(bases: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """The largest principal angle, in degrees, between each basis (n_frames, d, k) and the
    column space of ``reference`` (d, k), e.g. PCA's components transposed."""
    from ..metrics import principal_angles_degrees

    return np.array([float(principal_angles_degrees(basis, reference).max()) for basis in bases])
