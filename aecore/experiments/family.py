"""The autoencoder family side by side (issue #4): what the Family page computes, without Streamlit.

Each ``compare_*`` function trains the members it compares on the same rows with the same
budget, scores them on held-out rows and returns plain numbers and arrays (no Keras objects), so
a result can be cached and shared between sessions. Long work reports to an optional
``progress(phase, done, total)`` callable: ``phase`` names what is training (``"greedy"``,
``"end_to_end"``, ``"plain"``, ``"sparse"``, ``"wta"``, ``"gan"``, ``"autoencoder"``,
``"scratch"``, ``"frozen"``, ``"finetune"``), ``done`` and ``total`` count steps of the whole
action (epochs, or classifiers for the pretraining curve).
"""

from __future__ import annotations

import numbers
import time
from typing import Callable, Optional

import numpy as np

from ..params import HIDDEN_UNITS

ProgressFn = Callable[[str, int, int], None]

#: The default label counts of the few-label curve (post 001's "a few labels" experiment).
LABEL_COUNTS = (50, 100, 500, 1000)


# --------------------------------------------------------------------------- pure helpers


def parameter_split(kind: str, n_features: int, n_components: int,
                    hidden_units: tuple[int, ...] = HIDDEN_UNITS) -> dict:
    """Trainable parameters of the encoder, the decoder and the whole autoencoder of a stacked
    architecture, without training it.

    A tied decoder reuses the encoder's transposed kernels, so its own parameters are biases only.

    Examples
    --------
    >>> parameter_split("tied", 64, 4, (16,))
    {'encoder': 1108, 'decoder': 80, 'total': 1188}
    """
    from ..budget import NetworkShape

    # Arithmetic, never a built model: a keystroke in the hidden-units box must stay cheap.
    layers = NetworkShape(kind=kind, n_features=int(n_features), n_components=int(n_components),
                          hidden_units=tuple(int(u) for u in hidden_units)).layers()
    split = 1 + max(i for i, layer in enumerate(layers) if layer.name in ("codings", "z_log_var"))
    encoder = sum(layer.parameters for layer in layers[:split])
    decoder = sum(layer.parameters for layer in layers[split:])
    return {"encoder": int(encoder), "decoder": int(decoder), "total": int(encoder + decoder)}


def activation_profile(codes, threshold: float = 0.1) -> dict:
    """How sparse a batch of codes is.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_components)
    threshold : float, default=0.1
        A code value above it counts as an active unit.

    Returns
    -------
    dict
        ``mean_activation`` (n_components,): each unit's mean value; ``per_unit`` (n_components,):
        the share of samples on which each unit is active; ``per_sample`` (n_samples,): the share
        of units active on each sample; ``fraction_active``: the share of all code values that
        are active (the mean of ``per_sample``); ``dead_units``: units never active;
        ``threshold``.
    """
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2 or codes.shape[0] < 1 or codes.shape[1] < 1:
        raise ValueError(f"codes must have shape (n_samples, n_components) with at least one of each; "
                         f"got {codes.shape}.")
    if not np.isfinite(codes).all():
        raise ValueError("codes contain NaN or infinite values.")
    if not isinstance(threshold, numbers.Real) or not np.isfinite(threshold):
        raise ValueError(f"threshold={threshold!r} must be a finite number, e.g. 0.1.")
    active = codes > threshold
    per_unit = active.mean(axis=0)
    return {"mean_activation": codes.mean(axis=0), "per_unit": per_unit,
            "per_sample": active.mean(axis=1), "fraction_active": float(active.mean()),
            "dead_units": int(np.sum(per_unit == 0)), "threshold": float(threshold)}


def winner_take_all(codes, rate: float = 0.05, batch_size: int = 128) -> np.ndarray:
    """The codes as a winner-take-all decoder sees them while training: in each batch of
    ``batch_size`` rows, every unit keeps its largest ``rate`` share of values (at least one,
    ties kept) and the others become 0 (:class:`aecore.models.regularised.WinnerTakeAll` in NumPy).

    At inference the rule is off and the encoder's codes are used as they are; this shows what
    the training rule does to them.

    Examples
    --------
    >>> winner_take_all(np.array([[1.0, 4.0], [3.0, 2.0], [2.0, 0.0], [0.0, 1.0]]), rate=0.25)
    array([[0., 4.],
           [3., 0.],
           [0., 0.],
           [0., 0.]])
    """
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2:
        raise ValueError(f"codes must have shape (n_samples, n_components); got {codes.shape}.")
    if not isinstance(rate, numbers.Real) or not 0.0 < rate <= 1.0:
        raise ValueError(f"rate={rate!r} must be in (0, 1], e.g. 0.05.")
    if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r} must be a positive integer.")
    kept = np.zeros_like(codes)
    for start in range(0, len(codes), int(batch_size)):
        batch = codes[start:start + int(batch_size)]
        k = max(int(np.ceil(rate * len(batch))), 1)
        threshold = np.sort(batch, axis=0)[len(batch) - k]
        kept[start:start + len(batch)] = np.where(batch >= threshold, batch, 0.0)
    return kept


def usable_label_counts(wanted, n_train: int, n_classes: int) -> tuple[list[int], list[int], list[int]]:
    """Split the label counts a person asked for into ``(usable, too_many, too_few)``.

    A count is usable when the training rows hold that many samples and every class can get
    at least one labelled example.

    Examples
    --------
    >>> usable_label_counts((5, 50, 100, 5000), n_train=1437, n_classes=10)
    ([50, 100], [5000], [5])
    """
    usable, too_many, too_few = [], [], []
    for n in sorted({int(n) for n in wanted}):
        if n < n_classes:
            too_few.append(n)
        elif n > n_train:
            too_many.append(n)
        else:
            usable.append(n)
    return usable, too_many, too_few


def greedy_budget(n_hidden_layers: int, epochs_per_stage: int, finetune_epochs: int = 0) -> tuple[int, int]:
    """Stages and epochs of a greedy layer-wise run (:func:`compare_greedy`), by arithmetic.

    One shallow autoencoder is trained per hidden layer plus one for the code layer, each for
    ``epochs_per_stage`` epochs, then the stack is fine-tuned for ``finetune_epochs``.

    Returns
    -------
    n_stages : int
    budget : int
        Epochs in all: the end-to-end model it is compared with gets as many.

    Examples
    --------
    >>> greedy_budget(2, 5, 2)
    (3, 17)
    """
    n_stages = int(n_hidden_layers) + 1
    return n_stages, int(epochs_per_stage) * n_stages + int(finetune_epochs)


def sparsity_profiles(result: dict, threshold: float = 0.1) -> dict:
    """The :func:`activation_profile` of every model a :func:`compare_sparsity` result holds,
    and of the winner-take-all codes as its training rule leaves them (``"wta_rule"``).

    Parameters
    ----------
    result : dict
        What :func:`compare_sparsity` returned.
    threshold : float, default=0.1
        A code value above it counts as an active unit.

    Returns
    -------
    dict
        ``{"plain" | "sparse" | "wta" | "wta_rule": profile}``, in that order.
    """
    found = result["models"]
    codes = {"plain": found["plain"]["codes"], "sparse": found["sparse"]["codes"], "wta": found["wta"]["codes"],
             "wta_rule": winner_take_all(found["wta"]["codes"], result["wta_rate"], result["batch_size"])}
    return {name: activation_profile(values, threshold) for name, values in codes.items()}


def _report(progress: Optional[ProgressFn], phase: str, done: int, total: int) -> None:
    if progress is not None:
        progress(phase, int(done), int(total))


def _mse(reducer, X) -> float:
    return float(np.mean((reducer.reconstruct(X) - X) ** 2))


# --------------------------------------------------------------------------- greedy vs end to end


def compare_greedy(X_train, X_test, n_components: int = 10, hidden_units=HIDDEN_UNITS,
                   epochs_per_stage: int = 3, finetune_epochs: int = 0, random_state: int = 0,
                   progress: Optional[ProgressFn] = None, jit_compile: bool = True) -> dict:
    """Train the same stacked dense autoencoder greedily (one shallow autoencoder per layer,
    stacked, optionally fine-tuned end to end) and end to end, on the same number of epochs.

    The end-to-end model gets as many epochs as the greedy run in all (``epochs_per_stage`` per
    stacked layer plus ``finetune_epochs``); neither stops early.

    Returns
    -------
    dict
        ``greedy`` and ``end_to_end``, each with ``val_loss`` (per epoch, the whole stack's
        reconstruction error on the 10% validation rows), ``test_mse``, ``seconds`` and
        ``epochs``; the greedy one adds ``stage`` (the phase of each epoch). Also ``budget``
        (epochs each), ``n_stages`` and ``pca_test_mse`` (PCA of the same size, for reference).
    """
    from ..metrics import pca_baseline
    from ..reducer import AutoencoderReducer

    hidden_units = tuple(int(u) for u in hidden_units)
    if not hidden_units:
        raise ValueError("Greedy layer-wise training stacks hidden layers; give at least one hidden "
                         "layer, e.g. (256,).")
    for name, value, low in (("epochs_per_stage", epochs_per_stage, 1), ("finetune_epochs", finetune_epochs, 0)):
        if not isinstance(value, numbers.Integral) or value < low:
            raise ValueError(f"{name}={value!r} must be an integer >= {low}.")
    n_stages, budget = greedy_budget(len(hidden_units), epochs_per_stage, finetune_epochs)
    common = dict(n_components=int(n_components), kind="dense", hidden_units=hidden_units,
                  early_stopping=False, random_state=int(random_state), jit_compile=jit_compile)
    runs = {
        "greedy": AutoencoderReducer(greedy=True, epochs=int(epochs_per_stage),
                                     greedy_finetune_epochs=int(finetune_epochs), **common),
        "end_to_end": AutoencoderReducer(epochs=budget, **common),
    }
    result = {"budget": budget, "n_stages": n_stages,
              "pca_test_mse": pca_baseline(X_train, int(n_components), X_test).mse}
    for offset, (name, reducer) in enumerate(runs.items()):
        started = time.perf_counter()
        reducer.fit(X_train, progress=lambda epoch, logs, name=name, offset=offset:
                    _report(progress, name, offset * budget + epoch, 2 * budget))
        entry = {"val_loss": list(reducer.history_.get("val_loss", reducer.history_.get("loss", []))),
                 "test_mse": _mse(reducer, X_test), "seconds": time.perf_counter() - started,
                 "epochs": int(reducer.n_epochs_)}
        if "stage" in reducer.history_:
            entry["stage"] = [int(s) for s in reducer.history_["stage"]]
        result[name] = entry
    return result


# --------------------------------------------------------------------------- sparsity


def compare_sparsity(X_train, X_test, n_components: int = 64, hidden_units=HIDDEN_UNITS, epochs: int = 5,
                     sparsity_target: float = 0.1, wta_rate: float = 0.05, batch_size: int = 128,
                     random_state: int = 0, progress: Optional[ProgressFn] = None,
                     jit_compile: bool = True) -> dict:
    """Train a plain, a sparse (KL penalty, preset "sparse") and a winner-take-all (preset "wta")
    autoencoder of the same size and budget, and measure how many code units fire on held-out rows.

    The plain autoencoder gets sigmoid codes like the sparse one, so the difference between the
    two is the penalty alone.

    Returns
    -------
    dict
        ``models``: ``{"plain" | "sparse" | "wta": {"codes" (the held-out rows' codes, for
        :func:`activation_profile`), "test_mse", "seconds", "code_activation"}}``, and
        ``sparsity_target``, ``wta_rate``, ``batch_size``, ``epochs``, ``n_components``.
    """
    from ..presets import TrainConfig, preset

    if not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"epochs={epochs!r} must be a positive integer.")
    common = dict(n_components=int(n_components), hidden_units=tuple(int(u) for u in hidden_units),
                  epochs=int(epochs), batch_size=int(batch_size), early_stopping=False,
                  random_state=int(random_state), jit_compile=jit_compile)
    configs = {
        "plain": TrainConfig(kind="dense", code_activation="sigmoid", **common),
        "sparse": preset("sparse").replace(sparsity_target=float(sparsity_target), **common),
        "wta": preset("wta").replace(wta_rate=float(wta_rate), **common),
    }
    found = {}
    for offset, (name, config) in enumerate(configs.items()):
        reducer = config.to_reducer()
        started = time.perf_counter()
        reducer.fit(X_train, progress=lambda epoch, logs, name=name, offset=offset:
                    _report(progress, name, offset * int(epochs) + epoch, 3 * int(epochs)))
        seconds = time.perf_counter() - started
        found[name] = {"codes": reducer.transform(X_test).astype(np.float32),
                       "test_mse": _mse(reducer, X_test), "seconds": seconds,
                       "code_activation": reducer.architecture_.code_activation}
    return {"models": found, "sparsity_target": float(sparsity_target), "wta_rate": float(wta_rate),
            "batch_size": int(batch_size), "epochs": int(epochs), "n_components": int(n_components)}


# --------------------------------------------------------------------------- GAN


def gan_progression(X_train, epochs: int = 10, latent_dim: int = 32, n_samples: int = 16,
                    batch_size: int = 64, random_state: int = 0, progress: Optional[ProgressFn] = None,
                    jit_compile: bool = False, batch_norm: bool = True, dropout: float = 0.3) -> dict:
    """Train :func:`aecore.experiments.gan.train_gan` and keep what the page draws: both losses per epoch and,
    after every epoch, the generator's rows for the same fixed noise.

    ``batch_norm`` (in the generator) and ``dropout`` (in the discriminator) are on by default:
    without them this small GAN collapses to one blob on MNIST within the page's budget. XLA is
    off by default: with Dropout's random numbers it made an epoch about 4x slower on a CPU.

    Returns
    -------
    dict
        ``d_loss`` and ``g_loss`` (per epoch), ``samples`` (ndarray of shape (epochs, n_samples,
        n_features)), ``seconds``, ``epochs``.
    """
    from .gan import train_gan

    started = time.perf_counter()
    result = train_gan(X_train, latent_dim=int(latent_dim), epochs=int(epochs), batch_size=int(batch_size),
                       random_state=int(random_state), samples_per_epoch=int(n_samples),
                       progress=lambda epoch, logs: _report(progress, "gan", epoch, int(epochs)),
                       jit_compile=jit_compile, batch_norm=bool(batch_norm), dropout=float(dropout))
    return {"d_loss": list(result.history["d_loss"]), "g_loss": list(result.history["g_loss"]),
            "samples": np.stack(result.samples) if result.samples else np.empty((0, 0, X_train.shape[1])),
            "seconds": time.perf_counter() - started, "epochs": len(result.history["d_loss"])}


# --------------------------------------------------------------------------- pretraining


def pretraining_curve(X_train, y_train, X_test, y_test, label_counts=LABEL_COUNTS, reducer=None,
                      n_components: int = 10, hidden_units=HIDDEN_UNITS, ae_epochs: int = 5, steps: int = 200,
                      random_state: int = 0, progress: Optional[ProgressFn] = None,
                      jit_compile: bool = True, classifier_jit_compile: bool = False) -> dict:
    """Accuracy against the number of labels for classifiers on a pretrained encoder (frozen,
    fine-tuned) and the same classifier trained from scratch (:func:`aecore.experiments.pretraining.few_label_curve`).

    Parameters
    ----------
    reducer : AutoencoderReducer, optional
        A fitted autoencoder to reuse (never modified); ``None`` trains a dense one on all of
        ``X_train`` (without labels) for ``ae_epochs`` epochs first.
    label_counts : sequence of int
        Checked with :func:`usable_label_counts`: counts above the training rows or below the
        number of classes raise a ValueError.
    steps : int, default=200
        Gradient steps per classifier training phase.
    jit_compile : bool, default=True
        Compile the autoencoder's training with XLA (worth it on larger data).
    classifier_jit_compile : bool, default=False
        The same for the classifiers: short trainings run faster without XLA's compilation.

    Returns
    -------
    dict
        ``rows`` (one per (n, mode): ``n_labels``, ``mode``, ``accuracy``, ``seconds``),
        ``reused`` (whether ``reducer`` was given), ``ae_seconds``, ``ae_epochs``, ``steps``.
    """
    from ..presets import TrainConfig
    from .pretraining import MODES, few_label_curve

    if y_train is None or y_test is None:
        raise ValueError("The few-label curve needs labels; this dataset has none.")
    n_classes = len(np.unique(np.concatenate([np.asarray(y_train), np.asarray(y_test)])))
    usable, too_many, too_few = usable_label_counts(label_counts, len(X_train), n_classes)
    if too_few:
        raise ValueError(f"{too_few[0]} labels cannot cover the {n_classes} classes; use at least "
                         f"{n_classes} labels.")
    if too_many:
        raise ValueError(f"Only {len(X_train)} training samples are available, fewer than "
                         f"{too_many[0]} labels; pick smaller numbers.")
    if not usable:
        raise ValueError("Choose at least one number of labels.")
    total = len(usable) * len(MODES) + (0 if reducer is not None else int(ae_epochs))
    done = 0
    ae_seconds, reused = 0.0, reducer is not None
    if reducer is None:
        config = TrainConfig(kind="dense", n_components=int(n_components),
                             hidden_units=tuple(int(u) for u in hidden_units), epochs=int(ae_epochs),
                             early_stopping=False, random_state=int(random_state),
                             jit_compile=bool(jit_compile))
        reducer = config.to_reducer()
        started = time.perf_counter()
        reducer.fit(X_train, progress=lambda epoch, logs: _report(progress, "autoencoder", epoch, total))
        ae_seconds = time.perf_counter() - started
        done = int(ae_epochs)
    rows = []
    for n in usable:
        for mode in MODES:
            rows += few_label_curve(reducer, X_train, y_train, X_test, y_test, label_counts=(n,),
                                    modes=(mode,), random_state=int(random_state), steps=int(steps),
                                    jit_compile=bool(classifier_jit_compile))
            done += 1
            _report(progress, mode, done, total)
    return {"rows": rows, "reused": reused, "ae_seconds": ae_seconds,
            "ae_epochs": 0 if reused else int(ae_epochs), "steps": int(steps)}
