"""Unsupervised pretraining (post 001): reuse a fitted encoder's layers in a classifier that
only a few labelled samples train, and compare it with the same classifier trained from scratch.

The reducer passed in is never changed: its encoder is rebuilt in code and its weights copied,
because the app shares fitted reducers between sessions.
"""

from __future__ import annotations

import numbers
import time

from ..models.backend import import_keras, import_tensorflow

import numpy as np

#: How the classifier's lower layers start and whether they learn.
MODES = ("scratch", "frozen", "finetune")


def labelled_subset(y, n: int, random_state=0) -> np.ndarray:
    """Indices of ``n`` rows of ``y``, stratified by class (every class at least once when possible)."""
    from sklearn.model_selection import train_test_split

    y = np.asarray(y)
    if n >= len(y):
        return np.arange(len(y))
    classes, counts = np.unique(y, return_counts=True)
    stratify = y if n >= len(classes) and counts.min() >= 2 else None
    index, _ = train_test_split(np.arange(len(y)), train_size=int(n), stratify=stratify,
                                random_state=random_state)
    return np.sort(index)


def build_classifier(reducer, n_classes: int, mode: str, X_unlabelled=None):
    """A Keras classifier: a copy of the reducer's encoder (``mode`` "frozen" or "finetune") or
    the same layers freshly initialised ("scratch"), then the codes standardised, then a softmax.

    Returns ``(classifier, encoder)``; the encoder is the classifier's own copy. The code
    standardisation is fitted on the encoder's codes of ``X_unlabelled`` (no labels needed).
    """
    keras = import_keras()

    from ..models import builders as models

    if mode not in MODES:
        raise ValueError(f"mode={mode!r} must be one of {list(MODES)}.")
    arch = reducer.architecture_
    if mode == "scratch":
        _, encoder, _ = models.build(arch)
    else:
        encoder = models.clone_encoder(arch, reducer.encoder_)
    scale = keras.layers.Normalization(name="code_scaling")
    if X_unlabelled is not None:
        scale.adapt(np.concatenate([np.asarray(encoder(X_unlabelled[i:i + 4096], training=False))
                                    for i in range(0, len(X_unlabelled), 4096)]))
    inputs = keras.Input(shape=(arch.n_features,))
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="classes")(scale(encoder(inputs)))
    return keras.Model(inputs, outputs, name=f"{mode}_classifier"), encoder


def _train_classifier(model, X, y, *, steps: int, batch_size: int, learning_rate: float,
                      seed: int, jit_compile: bool) -> None:
    """Compile and fit for ``steps`` gradient steps on reshuffled batches of the labelled rows.

    One long "epoch" over a repeated tf.data stream: Keras' per-epoch overhead would otherwise
    dominate with 50 labels (two batches per pass).
    """
    keras = import_keras()
    tf = import_tensorflow()

    batch_size = int(min(batch_size, len(X)))
    data = (tf.data.Dataset.from_tensor_slices((X, y)).shuffle(len(X), seed=seed)
            .repeat().batch(batch_size).prefetch(tf.data.AUTOTUNE))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", jit_compile=jit_compile,
                  steps_per_execution=min(int(steps), 50))
    model.fit(data, epochs=1, steps_per_epoch=int(steps), verbose=0, shuffle=False)


def few_label_curve(reducer, X_train, y_train, X_test, y_test, label_counts=(50, 100, 500, 1000),
                    modes=MODES, random_state=0, steps: int = 500, batch_size: int = 32,
                    learning_rate: float = 1e-3, head_learning_rate: float = 1e-2,
                    finetune_learning_rate: float = 1e-4, jit_compile: bool = True) -> list[dict]:
    """Test accuracy of classifiers trained on only ``n`` labels, with and without pretraining.

    For each ``n`` in ``label_counts`` the same stratified subset of ``n`` labelled rows trains
    one classifier per mode, each an encoder, a standardisation of its codes and a softmax:

    - ``"scratch"``: the encoder's architecture, randomly initialised, trained on raw inputs;
    - ``"frozen"``: a copy of the fitted encoder, kept fixed; only the softmax learns (a
      logistic regression on the codes, hence its larger ``head_learning_rate``);
    - ``"finetune"``: the frozen recipe, then every layer trained further at
      ``finetune_learning_rate`` (a small step keeps the pretrained features).

    Parameters
    ----------
    reducer : AutoencoderReducer
        Fitted on unlabelled rows (ideally ``X_train`` without its labels). Never modified.
    X_train, y_train : arrays
        Rows the labelled subsets are drawn from, and their labels. All of ``X_train`` (without
        labels) fits the code standardisation.
    X_test, y_test : arrays
        Held-out rows that score every classifier.
    label_counts : sequence of int, default=(50, 100, 500, 1000)
    modes : sequence of {"scratch", "frozen", "finetune"}
    random_state : int, default=0
        Seeds the subsets and the classifiers' initialisation and shuffling.
    steps : int, default=500
        Gradient steps per training phase, whatever ``n``, so small label sets are trained as
        long as large ones.
    batch_size : int, default=32
    learning_rate : float, default=1e-3
        Adam's step for "scratch" (the whole network learns).
    head_learning_rate : float, default=1e-2
        Adam's step when only the softmax learns ("frozen", and the first phase of "finetune").
    finetune_learning_rate : float, default=1e-4
        Adam's step for the second phase of "finetune".
    jit_compile : bool, default=True
        Compile the training steps with XLA (worth it from a few hundred steps on).

    Returns
    -------
    list of dict
        One per (n, mode): ``n_labels``, ``mode``, ``accuracy``, ``seconds``.

    Examples
    --------
    >>> rows = few_label_curve(reducer, X_tr, y_tr, X_te, y_te, label_counts=(100,))  # doctest: +SKIP
    >>> {r["mode"]: round(r["accuracy"], 2) for r in rows}  # doctest: +SKIP
    {'scratch': 0.72, 'frozen': 0.77, 'finetune': 0.78}
    """
    keras = import_keras()
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(reducer, "encoder_")
    X_train = np.asarray(X_train, dtype=np.float32)
    X_test = np.asarray(X_test, dtype=np.float32)
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    if X_train.ndim != 2 or X_train.shape[1] != reducer.n_features_in_:
        raise ValueError(f"X_train has shape {X_train.shape} but the reducer was fitted on "
                         f"{reducer.n_features_in_} features; pass rows like the ones it saw.")
    if len(X_train) != len(y_train) or len(X_test) != len(y_test):
        raise ValueError("X_train/y_train and X_test/y_test must have the same number of rows; got "
                         f"{len(X_train)}/{len(y_train)} and {len(X_test)}/{len(y_test)}.")
    bad = [m for m in modes if m not in MODES]
    if bad:
        raise ValueError(f"modes {bad} are unknown; choose from {list(MODES)}.")
    if any(not isinstance(n, numbers.Integral) or n < 1 for n in label_counts):
        raise ValueError(f"label_counts={tuple(label_counts)!r} must be positive integers, e.g. (50, 100).")
    if not isinstance(steps, numbers.Integral) or steps < 1:
        raise ValueError(f"steps={steps!r} must be a positive integer, e.g. 500.")
    classes = np.unique(np.concatenate([y_train, y_test]))
    lookup = {c: i for i, c in enumerate(classes.tolist())}
    codes_train = np.array([lookup[c] for c in y_train.tolist()], dtype=np.int64)
    codes_test = np.array([lookup[c] for c in y_test.tolist()], dtype=np.int64)
    train = dict(steps=int(steps), batch_size=int(batch_size), seed=int(random_state),
                 jit_compile=bool(jit_compile))

    rows = []
    for n in label_counts:
        index = labelled_subset(codes_train, int(n), random_state=random_state)
        X_labelled, y_labelled = X_train[index], codes_train[index]
        for mode in modes:
            started = time.perf_counter()
            keras.utils.set_random_seed(int(random_state))
            model, encoder = build_classifier(reducer, len(classes), mode, X_unlabelled=X_train)
            encoder.trainable = mode == "scratch"
            _train_classifier(model, X_labelled, y_labelled, **train, learning_rate=(
                learning_rate if mode == "scratch" else head_learning_rate))
            if mode == "finetune":
                encoder.trainable = True
                _train_classifier(model, X_labelled, y_labelled, learning_rate=finetune_learning_rate,
                                  **train)
            predicted = np.concatenate([np.asarray(model(X_test[i:i + 4096], training=False))
                                        for i in range(0, len(X_test), 4096)]).argmax(axis=1)
            rows.append({"n_labels": int(len(index)), "mode": mode,
                         "accuracy": float(np.mean(predicted == codes_test)),
                         "seconds": time.perf_counter() - started})
    return rows
