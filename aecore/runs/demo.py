"""Demo runs shipped with the app, so a demo never waits on training for the default views.

Each demo is a run directory (see :mod:`aecore.runs.format`) whose weights are stored as float16 in a
compressed ``weights.f16.npz`` instead of ``model.weights.h5``: about 2 MB per model instead of
4.3 MB. They are trained on exactly the split and settings the Train page uses for its presets, so
they are the cache entries a person would otherwise wait for (with :data:`TSNE_DEMO`'s t-SNE
checkpoints) and the first views of their pages (:mod:`aecore.runs.demo_views`). Rebuild them
with (``--views-only``: the views alone, from the shipped models)::

    python -m aecore.runs.demo [--views-only] [demo names]

Loading follows the runs' rules: the model is rebuilt from our code and only plain arrays are read
(``allow_pickle=False``), after their shapes were checked.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

from . import format as run_format, saving as run_saving, loading as runs
from ..presets import PRESETS, TrainConfig, resolved_training

DEMO_DIR = Path(__file__).resolve().parent / "demo_runs"
WEIGHTS_FILE = run_format.F16_WEIGHTS_FILE
#: Demo name -> (built-in dataset, preset). The Train page's defaults come first.
DEMOS = {
    "mnist-recommended": ("mnist_sample", "recommended"),
    "mnist-denoising": ("mnist_sample", "denoising"),
    "mnist-vae-2d": ("mnist_sample", "vae_2d"),
    "mnist-seed002-dense": ("mnist_sample", "seed002_dense"),
    "mnist-seed002-cnn": ("mnist_sample", "seed002_cnn"),
    "mnist-seed002-cnn-elu": ("mnist_sample", "seed002_cnn_elu"),
    "mnist-conv-vae-2d": ("mnist_sample", "conv_vae_2d"),
    "balls-seed004": ("balls", "seed004_balls"),
}


def form_config(preset_name: str) -> TrainConfig:
    """A preset as the app's Train form produces it: learning rate, epochs and batch size resolved
    to numbers, so that the same settings give the same cache key however they were chosen.

    Parameters
    ----------
    preset_name : str
        A key of :data:`aecore.presets.PRESETS`.

    Returns
    -------
    TrainConfig

    Examples
    --------
    >>> form_config("recommended").epochs is not None
    True
    """
    base = PRESETS[preset_name][1]
    defaults = resolved_training(base.to_dict())
    return base.replace(learning_rate=float(defaults["learning_rate"]), epochs=int(defaults["epochs"]),
                        batch_size=int(defaults["batch_size"]))


def build(out: Path = DEMO_DIR, names=None) -> list[str]:
    """Train the demo models and write them under ``out``; returns the run directories."""
    from ..data import datasets as aedata
    from ..metrics import pca_baseline, reconstruction_mse

    written = []
    for name in names or DEMOS:
        data_key, preset_name = DEMOS[name]
        ds = aedata.load_dataset(data_key)
        train, test = aedata.train_test_split(ds, test_fraction=0.2, seed=0)
        config = form_config(preset_name)
        started = time.perf_counter()
        reducer = config.to_reducer(image_shape=ds.image_shape).fit(ds.X[train])
        seconds = time.perf_counter() - started
        run_dir = out / name
        run_saving.save_run(run_dir, reducer, config, data_key, {}, overwrite=True, scaling=ds.scaling)
        weights = reducer.autoencoder_.get_weights()
        np.savez_compressed(run_dir / WEIGHTS_FILE, **{f"w{i:03d}": w.astype(np.float16)
                                                       for i, w in enumerate(weights)})
        os.remove(run_dir / run_format.WEIGHTS_FILE)
        reloaded, _ = load(run_dir)
        metrics = {"preset": preset_name, "fit_seconds": round(seconds, 2),
                   "test_mse": reconstruction_mse(ds.X[test], reloaded.reconstruct(ds.X[test])),
                   "pca_test_mse": pca_baseline(ds.X[train], config.n_components, ds.X[test]).mse}
        (run_dir / run_format.METRICS_FILE).write_text(json.dumps(metrics, indent=2), encoding="utf-8")
        history = runs.load_latent_history(run_dir)
        labels = None if history is None else history_labels(name, history)
        if labels is not None:
            np.savez_compressed(run_dir / HISTORY_LABELS_FILE, labels=labels)
        written.append(str(run_dir))
    return written


def load(run_dir) -> tuple[object, dict]:
    """Rebuild one demo: ``(fitted reducer, manifest)``. ``ValueError`` when the files are damaged.

    A demo is a run like any other (:func:`aecore.runs.loading.load_run` reads its float16 weights)."""
    try:
        reducer, _ = runs.load_run(run_dir)
    except ValueError as exc:
        raise ValueError(f"{exc} Rebuild the demos with `python -m aecore.runs.demo`.") from exc
    return reducer, run_format._read_json(os.fspath(run_dir), run_format.CONFIG_FILE, dict)


#: The demo whose latent space is seen forming on the home page.
FORMING_DEMO = "mnist-recommended"
#: The labels of a demo's latent-history rows, written with the demo, so that showing the history
#: needs neither the dataset nor scikit-learn (3 s on a 2-core machine, most of a cold home page).
HISTORY_LABELS_FILE = "latent_history_labels.npz"


def history_labels(name: str, history) -> np.ndarray | None:
    """The labels of ``history``'s rows, from demo ``name``'s dataset and training split; None when
    the history was not made on that split."""
    from ..data import datasets as aedata

    ds = aedata.load_dataset(DEMOS[name][0])
    train, _ = aedata.train_test_split(ds, test_fraction=0.2, seed=0)
    if len(train) != history.n_samples:
        return None
    labels = ds.y[np.asarray(train)[history.indices]]
    return labels if ds.label_names is None else np.asarray(ds.label_names)[labels]


@functools.lru_cache(maxsize=2)
def forming_history(name: str = FORMING_DEMO, root: Path = DEMO_DIR):
    """A shipped demo's latent space after each epoch and the labels of its rows, without building
    its model or loading its dataset (NumPy only, so a first visit waits on nothing heavy).

    Returns ``(history, labels)``: a :class:`~aecore.training.snapshots.LatentHistory` and one label
    per row of it; ``None`` when the demo has no history. Read once per process (the files ship with
    the package and never change); treat the arrays as read-only.
    """
    run_dir = Path(root) / name
    history = runs.load_latent_history(run_dir) if run_dir.is_dir() else None
    if history is None:
        return None
    stored = run_dir / HISTORY_LABELS_FILE
    if stored.is_file():
        with np.load(stored, allow_pickle=False) as archive:
            labels = archive["labels"]
    else:  # a demo rebuilt before the labels were stored
        labels = history_labels(name, history)
    if labels is None or len(labels) != history.n_rows:
        return None
    return history, labels


#: The demo whose t-SNE map is shipped after each checkpoint of its iterations (every row, the
#: default map settings), so that the Latent space page's "Watch t-SNE converge" opens at once.
TSNE_DEMO = FORMING_DEMO
TSNE_CHECKPOINTS_FILE = "tsne_checkpoints.npz"


def build_tsne_checkpoints(name: str = TSNE_DEMO, root: Path = DEMO_DIR) -> Path:
    """Compute and write demo ``name``'s t-SNE checkpoints (float16 points, ~0.3 MB for 5,000 rows)."""
    from ..data import datasets as aedata
    from ..maps import tsne_steps

    reducer, _ = load(Path(root) / name)
    codes = reducer.transform(aedata.load_dataset(DEMOS[name][0]).X)
    path = Path(root) / name / TSNE_CHECKPOINTS_FILE
    tsne_steps.tsne_checkpoints(codes).save(path, dtype=np.float16)
    return path


@functools.lru_cache(maxsize=2)
def shipped_tsne_checkpoints(name: str, n_rows: int, root: Path = DEMO_DIR):
    """Demo ``name``'s shipped t-SNE checkpoints (default settings and checkpoints, seed 0) for its
    dataset's ``n_rows`` rows; ``None`` when none are shipped or they do not fit. Read once."""
    from ..maps import tsne_steps

    path = Path(root) / name / TSNE_CHECKPOINTS_FILE
    if not path.is_file():
        return None
    try:
        found = tsne_steps.TSNECheckpoints.load(path, n_rows=n_rows)
    except ValueError as exc:
        print(f"aecore.runs.demo: skipped {path}: {exc}", file=sys.stderr)
        return None
    for array in (found.points, found.iterations, found.kl_divergence, found.exaggerated, found.indices):
        array.flags.writeable = False  # shared by every session
    return found


class DemoModel:
    """A shipped demo's model, described from its JSON files and built on first use.

    What a page shows about a model before it runs it (its size, settings, training history) is
    read from the run's JSON without Keras; anything else (``transform``, ``inverse_transform``,
    ``sample``, ...) builds the fitted reducer once, the first caller's thread doing it while the
    others wait, and is answered by it. Importing TensorFlow costs ~770 MB and seconds: a first
    view that the demo ships (:mod:`aecore.runs.demo_views`) never pays it.

    Parameters
    ----------
    run_dir : path
        The demo's run directory.
    on_load : callable, optional
        Called once, with no argument, after the model is built (the app freezes what is alive
        then out of the garbage collector's reach).
    """

    #: What is answered from the run's files without building the model.
    DESCRIBED = ("n_components", "n_features_in_", "history_", "n_epochs_", "best_epoch_", "stopped_reason_",
                 "latent_history_", "output_activation_")

    def __init__(self, run_dir, on_load=None):
        self.run_dir = Path(run_dir)
        self.info = run_format.read_run_info(self.run_dir)
        manifest = run_format._read_json(os.fspath(self.run_dir), run_format.CONFIG_FILE, dict)
        training = manifest["training"]
        self._described = {
            "n_components": int(self.info.n_components), "n_features_in_": int(self.info.n_features),
            "history_": runs._read_history(os.fspath(self.run_dir), training["n_epochs"]),
            "n_epochs_": int(training["n_epochs"]), "best_epoch_": int(training["best_epoch"]),
            "stopped_reason_": str(training["stopped_reason"]),
            "latent_history_": runs.load_latent_history(self.run_dir, self.info),
            "output_activation_": manifest["output_activation"]}
        self._on_load = on_load
        self._reducer = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether the Keras model has been built."""
        return self._reducer is not None

    def reducer(self):
        """The fitted :class:`~aecore.AutoencoderReducer`, built on the first call (thread-safe)."""
        with self._lock:
            if self._reducer is None:
                self._reducer, _ = load(self.run_dir)
                if self._on_load is not None:
                    self._on_load()
            return self._reducer

    def first_views(self):
        """The views of its pages shipped with it (:class:`aecore.runs.demo_views.FirstViews`), or
        None; read once per process, NumPy only."""
        from . import demo_views

        return demo_views.load_views(self.run_dir, int(self.info.n_components))

    def __getattr__(self, name: str):
        # Only called for names the handle itself lacks; dunders (copy, pickle) are never forwarded.
        if name.startswith("__") or name in ("_described", "_reducer", "_lock", "_on_load"):
            raise AttributeError(name)
        if name in self._described:
            return self._described[name]
        return getattr(self.reducer(), name)

    def __repr__(self) -> str:
        return f"DemoModel({self.run_dir.name!r}, loaded={self.loaded})"


def describe_all(root: Path = DEMO_DIR, on_load=None) -> list[tuple[str, str, TrainConfig, DemoModel]]:
    """Every shipped demo as ``(dataset, preset, config, model)``, read from its JSON files only
    (no Keras): each :class:`DemoModel` builds its network when first used. Damaged ones are skipped."""
    found = []
    for name, (data_key, preset_name) in DEMOS.items():
        run_dir = Path(root) / name
        if not (run_dir / WEIGHTS_FILE).is_file():
            continue
        try:
            model = DemoModel(run_dir, on_load=on_load)
        except ValueError as exc:
            print(f"aecore.runs.demo: skipped {run_dir}: {exc}", file=sys.stderr)
            continue
        found.append((data_key, preset_name, model.info.config, model))
    return found


def load_all(root: Path = DEMO_DIR) -> list[tuple[str, str, TrainConfig, object]]:
    """Every shipped demo as ``(dataset, preset, config, reducer)``, each network built now (Keras);
    damaged ones are skipped."""
    found = []
    for data_key, preset_name, config, model in describe_all(root):
        try:
            found.append((data_key, preset_name, config, model.reducer()))
        except ValueError as exc:
            print(f"aecore.runs.demo: skipped {model.run_dir}: {exc}", file=sys.stderr)
    return found


def build_views(names=None, root: Path = DEMO_DIR) -> list[Path]:
    """Compute and write the first views (:mod:`aecore.runs.demo_views`) of the demos ``names``
    (default: all) from their shipped models; the models themselves are not retrained."""
    from . import demo_views
    from ..data import datasets as aedata

    written = []
    for name in names or DEMOS:
        data_key = DEMOS[name][0]
        reducer, _ = load(Path(root) / name)
        path = Path(root) / name / demo_views.VIEWS_FILE
        demo_views.compute(reducer, aedata.load_dataset(data_key), data_key).save(path)
        written.append(path)
    return written


if __name__ == "__main__":
    # --views-only: the pages' first views again from the shipped models, nothing retrained.
    views_only = "--views-only" in sys.argv[1:]
    chosen = [name for name in sys.argv[1:] if name != "--views-only"] or None
    if not views_only:
        for path in build(names=chosen):
            print("wrote", path)
        if TSNE_DEMO in (chosen or DEMOS):
            print("wrote", build_tsne_checkpoints())
    for path in build_views(chosen):
        print("wrote", path)
