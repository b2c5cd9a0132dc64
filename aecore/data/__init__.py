"""Data: the built-in datasets, generators and splits (:mod:`.datasets`), a person's uploads read safely
(:mod:`.uploads` and its readers), deskewing and a person's own digit prepared the MNIST way."""

from .._lazy import lazy_exports

#: The names people import from this package (they lived here before it had submodules), and the
#: submodule that defines each; loaded on first use.
_PUBLIC = {
    "BUILTIN_DATASETS": "datasets", "Dataset": "datasets", "FASHION_LABELS": "datasets",
    "ONLINE_DATASETS": "datasets", "OnlineDataset": "datasets", "ball_image": "datasets",
    "cache_paths": "datasets", "generate_3d_data": "datasets", "is_cached": "datasets",
    "keras_datasets_dir": "datasets", "load_breast_cancer_table": "datasets",
    "load_dataset": "datasets", "load_digits_8x8": "datasets", "load_keras_dataset": "datasets",
    "load_mnist_sample": "datasets", "make_balls": "datasets", "make_manifold": "datasets",
    "make_seed003_table": "datasets", "needs_download": "datasets", "train_test_split": "datasets",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
