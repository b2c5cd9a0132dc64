"""One resource budget for every entry point: what a training, a projection, a clustering or an
upload may cost, checked *before* anything is allocated.

The app is shared as a public link, and one server process (2.7 GB on Streamlit Community Cloud,
two shared cores) serves every viewer. So the same limits guard the notebook API
(:meth:`aecore.AutoencoderReducer.fit`, :func:`aecore.maps.projection.project`,
:func:`aecore.maps.cluster.cluster`), the command line, uploads, run loading and every page. Each check
raises a ``ValueError`` that names the estimate, the limit and what to change.

Everything here is arithmetic on shapes and settings: a parameter count never builds a model, an
upload's size is read from its headers. The library and the command line may raise the budget
explicitly (``AutoencoderReducer(budget=Budget.unlimited())``, ``python -m aecore train
--budget-scale 10``); the server's owner may scale the app's budget with the environment variable
``AECORE_BUDGET_SCALE``; a URL never can.

Examples
--------
>>> from aecore.budget import Budget, NetworkShape
>>> shape = NetworkShape(kind="dense", n_features=784, n_components=10)  # the recommended layers
>>> shape.parameters()
1072410
>>> Budget().check_training(shape, n_rows=4000, epochs=100, batch_size=128).seconds < 120
True
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from typing import Optional

from .models.shapes import Layer, NetworkShape  # noqa: F401  (re-exported: the budget's callers name them here)

# The speeds below are on this project's 2 shared cores, on the slow side of what was measured, so
# that an estimate the app states is not overrun. How each was measured: BENCHMARKS.md, "How the
# measured constants were chosen".
#: Multiply-adds per second one training reaches, a step counted as 3 forward passes (the network
#: bench/fair_speed.py trains).
MACS_PER_SECOND = 2.5e10
#: Operations (:meth:`Budget.cluster_compute`'s units) each clustering method gets through per
#: second (bench/growth.py, bench/scale_pages.py); the pages' estimates divide by these.
CLUSTER_OPERATIONS_PER_SECOND = {"kmeans": 1.5e9, "gmm": 1.1e10}
#: Multiply-adds per second of a model pass (encoding or reconstructing rows, 4,096 at a time) while
#: other work shares the cores (bench/scale_pages.py's profile).
PREDICT_MACS_PER_SECOND = 8e9
#: Multiply-adds one pair of rows costs HDBSCAN, at MACS_PER_SECOND (bench/growth.py).
HDBSCAN_PAIR_COST = 300.0
#: Fixed cost of one optimiser step (data pipeline, Python callbacks), seconds.
SECONDS_PER_STEP = 3e-4
#: Bytes per float32 value.
FLOAT_BYTES = 4


def _plural(n: float, unit: str) -> str:
    return f"{n:,.0f} {unit}"


def _mb(n_bytes: float) -> str:
    return f"{n_bytes / 1e6:,.0f} MB"


def duration_text(seconds: float) -> str:
    """A duration as people read it in an estimate: "40 s", "3 min", "2.5 h"."""
    if seconds < 90:
        return f"{seconds:,.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:,.0f} min"
    return f"{seconds / 3600:,.1f} h"


@dataclass(frozen=True)
class TrainingEstimate:
    """What one training will cost: parameters, bytes of memory at its peak, multiply-adds in all
    (epochs x rows x multiply-adds per row), optimiser steps and an estimated duration."""

    parameters: int
    bytes: int
    compute: float
    steps: int
    seconds: float
    note: str = ""  # what the kind adds to the cost, in words

    def describe(self) -> str:
        return (f"{self.parameters:,} parameters, about {_mb(self.bytes)} of memory, "
                f"{self.compute:.2g} multiply-adds in {self.steps:,} steps, "
                f"about {duration_text(self.seconds)} on a 2-core CPU" + (f" ({self.note})" if self.note else ""))


def _env_scale() -> float:
    """The server owner's scale factor for the default budget (``AECORE_BUDGET_SCALE``)."""
    text = os.environ.get("AECORE_BUDGET_SCALE", "")
    try:
        scale = float(text) if text else 1.0
    except ValueError:
        return 1.0
    return scale if math.isfinite(scale) and scale > 0 else 1.0


@dataclass(frozen=True)
class Budget:
    """Resource limits checked before any work is allocated.

    The defaults fit one Streamlit Community Cloud process (2.7 GB, two shared cores) serving
    several people at once: full MNIST (60,000 rows) trains with the recommended settings; a
    network of hundreds of millions of weights, a batch of one for a thousand epochs, a full-
    covariance mixture on raw pixels or a t-SNE of 200,000 rows does not.

    Parameters
    ----------
    max_parameters : int
        Weights of one autoencoder (10 M: 40 MB, 160 MB with Adam's state and gradients).
    max_training_bytes : int
        Estimated peak memory of one training: weights, gradients and optimiser state, the
        activations of one batch, and the training rows with the input pipeline's copies.
    max_training_compute : float
        Epochs x rows x multiply-adds per row (for Dense layers the multiply-adds are the weights).
        2e13 is about 100 epochs of the recommended model on 60,000 rows, three times over.
    max_training_steps : int
        Epochs x batches per epoch: each step has a fixed cost whatever its size, so tiny batches
        for many epochs take hours even for a small model.
    max_rows, max_columns : int
        Rows and features of one dataset (an upload or a generated set).
    max_array_values : int
        Values of one uploaded array (50 M: 200 MB as float32).
    max_array_bytes : int
        Bytes of one uploaded array as stored (its real item size) plus its float32 copy.
    max_decode_pixels : int
        Pixels decoded from the images of one upload, checked from the headers before decoding.
    max_table_values : int
        Cells of one uploaded CSV, counted from its lines and header before pandas parses it:
        parsing costs about 30 bytes a cell at its peak (text, int64/float64 frames and their
        copies), so 10 M cells peak near 300 MB.
    max_upload_held_bytes : int
        What one session's uploads may hold once read (their float32 data and the file itself),
        checked from headers and counts before parsing: 150 MB.
    max_server_upload_bytes : int
        What every session's uploads may hold together (the app's ledger checks it): 600 MB.
    max_tsne_rows, max_umap_rows : int
        Rows embedded by t-SNE / UMAP; above them the app embeds a stated random subsample (for a
        2-D t-SNE map, and places every other row into it).
    max_checkpoint_bytes : int
        What the kept checkpoints of one t-SNE you watch converge may hold (checkpoints x rows x
        dimensions float32 values, :func:`aecore.maps.tsne_steps.tsne_checkpoints`): 64 MB.
    max_cluster_compute : float
        Estimated operations of one clustering (see :meth:`cluster_compute`; how many a second each
        method gets through: :data:`CLUSTER_OPERATIONS_PER_SECOND`, HDBSCAN's 5e11 about 20 s).
    """

    max_parameters: int = 10_000_000
    max_training_bytes: int = 1_200_000_000
    max_training_compute: float = 2e13
    max_training_steps: int = 300_000
    max_rows: int = 200_000
    max_columns: int = 5_000
    max_array_values: int = 50_000_000
    max_array_bytes: int = 400_000_000
    max_decode_pixels: int = 40_000_000
    # The 2.7 GB container runs the server itself at 1.3-1.6 GB with one visitor on every page;
    # uploads get 600 MB of the rest in all (what is left covers a parse's peak and a training),
    # 150 MB a session so that four visitors at the limit fit. Built-in datasets (full MNIST
    # included) are shared by every session and not counted here.
    max_table_values: int = 10_000_000
    max_upload_held_bytes: int = 150_000_000
    max_server_upload_bytes: int = 600_000_000
    max_tsne_rows: int = 20_000
    max_umap_rows: int = 70_000
    max_checkpoint_bytes: int = 64_000_000
    max_cluster_compute: float = 5e11

    @classmethod
    def default(cls) -> "Budget":
        """The budget every entry point uses unless given another: the defaults, scaled by the
        server owner's ``AECORE_BUDGET_SCALE`` when it is set."""
        return DEFAULT.scaled(_env_scale()) if _env_scale() != 1.0 else DEFAULT

    @classmethod
    def unlimited(cls) -> "Budget":
        """No limits (a big machine, a notebook that knows what it asks for)."""
        inf = math.inf
        return cls(*(inf for _ in cls.__dataclass_fields__))

    def scaled(self, factor: float) -> "Budget":
        """Every limit multiplied by ``factor`` (``--budget-scale`` on the command line)."""
        if not (isinstance(factor, (int, float)) and math.isfinite(factor) and factor > 0):
            raise ValueError(f"budget scale={factor!r} must be a positive number, e.g. 4.")
        return replace(self, **{name: getattr(self, name) * factor for name in self.__dataclass_fields__})

    # ------------------------------------------------------------------ training

    def training_estimate(self, shape: NetworkShape, n_rows: int, epochs: int, batch_size: int) -> TrainingEstimate:
        """Parameters, memory, compute, steps and duration of training ``shape`` on ``n_rows`` rows
        for ``epochs`` epochs (for greedy training: every stage's epochs added up)."""
        parameters = shape.parameters()
        batch = max(1, min(int(batch_size), int(n_rows)))
        steps = int(epochs) * math.ceil(n_rows / batch)
        compute = float(epochs) * n_rows * shape.training_macs_per_row()
        memory = (FLOAT_BYTES * 4 * parameters                                  # weights, gradients, Adam m and v
                  + FLOAT_BYTES * 3 * batch * shape.activations_per_row()       # one batch forward and back
                  + FLOAT_BYTES * 3 * n_rows * shape.n_features)                # rows, tf.data copy, shuffle buffer
        seconds = 3 * compute / MACS_PER_SECOND + steps * SECONDS_PER_STEP
        note = ("the Jacobian penalty about doubles the encoder's cost per row"
                if shape.kind == "contractive" else "")
        return TrainingEstimate(parameters, int(memory), compute, steps, seconds, note)

    def check_training(self, shape: NetworkShape, n_rows: int, epochs: int, batch_size: int) -> TrainingEstimate:
        """The estimate of :meth:`training_estimate`; ``ValueError`` when any part is over budget."""
        self.check_rows(n_rows, shape.n_features, "training data")
        estimate = self.training_estimate(shape, n_rows, epochs, batch_size)
        if estimate.parameters > self.max_parameters:
            raise ValueError(
                f"This autoencoder would have {estimate.parameters:,} parameters; the limit is "
                f"{self.max_parameters:,.0f}. Use fewer or narrower hidden layers "
                f"(hidden_units={shape.hidden_units}) or a smaller latent size.")
        if estimate.bytes > self.max_training_bytes:
            raise ValueError(
                f"Training would need about {_mb(estimate.bytes)} of memory; the limit is "
                f"{_mb(self.max_training_bytes)}. Use a smaller batch size (batch_size={batch_size}), "
                "narrower layers or fewer rows.")
        if estimate.compute > self.max_training_compute:
            raise ValueError(
                f"Training would take {estimate.compute:.2g} multiply-adds ({epochs:,} epochs x "
                f"{n_rows:,} rows x {shape.training_macs_per_row():,} per row), about {duration_text(estimate.seconds)}; "
                f"the limit is {self.max_training_compute:.2g}. Use fewer epochs, fewer rows or a "
                "smaller network.")
        if estimate.steps > self.max_training_steps:
            raise ValueError(
                f"Training would take {estimate.steps:,} steps ({epochs:,} epochs of batches of "
                f"{batch_size:,}); the limit is {self.max_training_steps:,.0f}. Use a larger batch size "
                "or fewer epochs.")
        return estimate

    # ------------------------------------------------------------------ data

    def check_rows(self, n_rows: int, n_columns: int, what: str = "data") -> None:
        """``ValueError`` when a table has more rows or columns than the budget allows."""
        if n_rows > self.max_rows:
            raise ValueError(f"The {what} has {n_rows:,} rows; the limit is {self.max_rows:,.0f}. "
                             f"Use a random sample of at most {self.max_rows:,.0f} rows.")
        if n_columns > self.max_columns:
            raise ValueError(f"The {what} has {n_columns:,} columns; the limit is {self.max_columns:,.0f}. "
                             "Keep the columns you need or downsize the images.")

    def check_array(self, shape: tuple, itemsize: int, what: str = "array") -> None:
        """``ValueError`` when an array of ``shape`` with ``itemsize`` bytes per value is over the
        budget, checked from its header before reading it: its values (``max_array_values``) and
        its bytes as stored plus the float32 copy the app works on (``max_array_bytes``)."""
        n_values = math.prod(int(v) for v in shape) if shape else 1
        dims = " x ".join(f"{int(v):,}" for v in shape)
        if n_values > self.max_array_values:
            raise ValueError(
                f"The {what} holds {n_values:,} values ({dims}); the limit is "
                f"{self.max_array_values:,.0f} values. Upload a smaller sample (fewer rows or smaller images).")
        needed = n_values * (int(itemsize) + FLOAT_BYTES)
        if needed > self.max_array_bytes:
            raise ValueError(
                f"The {what} ({dims} values of {int(itemsize)} bytes) needs {_mb(needed)} in memory with "
                f"its float32 copy; the limit is {_mb(self.max_array_bytes)}. Upload a smaller sample.")

    def check_upload_held(self, n_bytes: int, detail: str, what: str = "upload") -> None:
        """``ValueError`` when an upload would hold more than ``max_upload_held_bytes`` once read
        (``detail`` says how that was counted, e.g. "10,000 x 5,000 values as float32")."""
        if n_bytes > self.max_upload_held_bytes:
            raise ValueError(
                f"The {what} would hold {_mb(n_bytes)} in memory once read ({detail}); the limit is "
                f"{_mb(self.max_upload_held_bytes)} per visitor. Upload a smaller sample (fewer rows, "
                "columns or images).")

    def check_table_values(self, n_rows: int, n_columns: int, what: str = "CSV") -> None:
        """``ValueError`` when a table has more cells than ``max_table_values``, checked from its
        line count and header before it is parsed."""
        n_values = int(n_rows) * int(n_columns)
        if n_values > self.max_table_values:
            raise ValueError(
                f"The {what} holds {n_values:,} values ({int(n_rows):,} rows x {int(n_columns):,} "
                f"columns); the limit is {self.max_table_values:,.0f} values. Upload a smaller sample "
                "(fewer rows or columns).")

    def check_decode(self, pixels: int, what: str = "images") -> None:
        """``ValueError`` when decoding ``pixels`` pixels in all is over the budget."""
        if pixels > self.max_decode_pixels:
            raise ValueError(
                f"The {what} hold {pixels:,} pixels in all; the limit is {self.max_decode_pixels:,.0f} "
                "pixels per upload. Upload fewer or smaller images (e.g. 28 x 28).")

    # ------------------------------------------------------------------ maps and clusters

    def projection_rows(self, method: str, row_cost: float = 1.0) -> float:
        """The most rows ``method`` ("pca", "tsne", "umap") may embed at once; ``row_cost`` is what a
        row costs with the map's settings against the defaults' (:func:`aecore.maps.projection.row_cost`):
        costlier settings (a larger perplexity, more neighbours) get fewer rows in the same time."""
        limit = {"tsne": self.max_tsne_rows, "umap": self.max_umap_rows}.get(method, self.max_rows)
        if method == "pca" or row_cost <= 1 or math.isinf(limit):
            return limit
        return math.floor(limit / row_cost)

    def check_projection(self, method: str, n_rows: int, row_cost: float = 1.0, settings: str = "") -> None:
        """``ValueError`` when ``method`` may not embed ``n_rows`` rows at once (with settings whose
        rows cost ``row_cost`` times the defaults', written out in ``settings``)."""
        limit = self.projection_rows(method, row_cost)
        if n_rows > limit:
            costs = f" with {settings} ({row_cost:.1f} times the default settings' cost a row)" if row_cost > 1 else ""
            cheaper = ", choose cheaper settings" if row_cost > 1 else ""
            raise ValueError(
                f"method={method!r} on {n_rows:,} rows{costs} is over the budget of {limit:,.0f} rows; embed "
                f"a random sample of at most {limit:,.0f} rows (aecore.maps.projection.project_sample){cheaper} "
                "or use method='pca'.")

    @staticmethod
    def cluster_compute(method: str, n_rows: int, n_features: int, n_clusters: int, n_init: int) -> float:
        """Rough operations of one clustering: KMeans ~ rows x features x clusters x restarts x
        100 iterations; a full-covariance mixture ~ rows x features² x clusters x restarts x 100
        iterations; HDBSCAN ~ HDBSCAN_PAIR_COST x rows² x (1 + features / 100): scikit-learn's
        spanning tree visits every pair of rows whatever the dimension (7e-9 s per pair on these 2
        quiet cores, 1.2e-8 on busy ones, at 2 and at 10 features: 26 s for 60,000 rows of a 2-D
        map in bench/growth.py, ~8 minutes at 200,000), which
        is HDBSCAN_PAIR_COST multiply-adds at :data:`MACS_PER_SECOND`, the rate the page's estimate
        divides by."""
        if method == "kmeans":
            return 100.0 * n_rows * n_features * n_clusters * n_init
        if method == "gmm":
            return 100.0 * n_init * n_clusters * (n_rows * n_features ** 2 + n_features ** 3)
        return HDBSCAN_PAIR_COST * float(n_rows) ** 2 * (1 + n_features / 100)

    def max_hdbscan_rows(self, n_features: int) -> int:
        """The most rows of ``n_features`` values HDBSCAN may cluster within this budget."""
        return int((self.max_cluster_compute / (HDBSCAN_PAIR_COST * (1 + n_features / 100))) ** 0.5)

    def check_clustering(self, method: str, n_rows: int, n_features: int, n_clusters: int, n_init: int) -> float:
        """The estimate of :meth:`cluster_compute`; ``ValueError`` when it is over the budget."""
        cost = self.cluster_compute(method, n_rows, n_features, n_clusters, n_init)
        if cost > self.max_cluster_compute:
            hint = {"gmm": "a Gaussian mixture costs features² per row: cluster the codes or their UMAP "
                           "instead of raw inputs, or use KMeans",
                    "kmeans": "use fewer clusters or restarts (n_init), or cluster the codes",
                    "hdbscan": f"HDBSCAN's cost grows with rows²: cluster at most about "
                               f"{self.max_hdbscan_rows(n_features):,} rows, or use KMeans or a Gaussian mixture"}
            hint = hint.get(method, "")
            raise ValueError(
                f"method={method!r} on {n_rows:,} rows x {n_features:,} features with {n_clusters} "
                f"clusters and n_init={n_init} would cost about {cost:.2g} operations; the limit is "
                f"{self.max_cluster_compute:.2g}. {hint[:1].upper() + hint[1:]}.")
        return cost


#: The limits of :class:`Budget` as written; see :meth:`Budget.default` for the one in force.
DEFAULT = Budget()


def prediction_seconds(shape: NetworkShape, n_rows: int, what: str = "reconstruct") -> float:
    """About how long encoding (``what="encode"``) or reconstructing (``"reconstruct"``) ``n_rows``
    rows with a model of ``shape`` takes here, on the slow side (:data:`PREDICT_MACS_PER_SECOND`)."""
    if what not in ("encode", "reconstruct"):
        raise ValueError(f"what={what!r} must be 'encode' or 'reconstruct'.")
    macs = shape.encoder_macs_per_row() if what == "encode" else shape.macs_per_row()
    return float(n_rows) * macs / PREDICT_MACS_PER_SECOND + 0.01 * math.ceil(n_rows / 4096)


def cluster_seconds(method: str, operations: float) -> float:
    """About how long a clustering of ``operations`` (:meth:`Budget.cluster_compute`) takes here."""
    return float(operations) / CLUSTER_OPERATIONS_PER_SECOND.get(method, MACS_PER_SECOND)


def resolve(budget: Optional[Budget]) -> Budget:
    """``budget``, or the default one in force."""
    return Budget.default() if budget is None else budget
