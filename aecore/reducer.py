"""AutoencoderReducer: the scikit-learn-compatible face of the library."""

from __future__ import annotations

import numbers
import threading
from typing import Optional

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

#: Settings that depend on the kind when left as ``None``. Linear models see only a handful
#: of features, so they need a larger step and more passes to reach PCA's optimum.
KIND_DEFAULTS = {
    "linear": {"learning_rate": 0.02, "epochs": 2000, "batch_size": 1024, "patience": 100,
               "validation_fraction": 0.0},
    "dense": {"learning_rate": 1e-3, "epochs": 100, "batch_size": 128, "patience": 10,
              "validation_fraction": 0.1},
    "conv": {"learning_rate": 1e-3, "epochs": 50, "batch_size": 128, "patience": 8,
             "validation_fraction": 0.1},
}


class AutoencoderReducer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Reduce dimensionality with a Keras autoencoder, the scikit-learn way.

    ``fit`` trains an encoder and a decoder to reproduce ``X``; ``transform`` returns the
    latent codes; ``inverse_transform`` decodes codes back into feature space.

    Parameters
    ----------
    n_components : int, default=2
        Size of the latent code.
    kind : {"linear", "dense", "conv"}, default="dense"
        ``"linear"``: one linear layer each way (learns PCA's subspace). ``"dense"``: a stacked
        autoencoder. ``"conv"``: strided convolutions for square grayscale images (rows are
        flattened images).
    hidden_units : tuple of int, default=(512, 256)
        Widths of the encoder's hidden layers (the decoder mirrors them). Ignored by "linear".
    activation : str, default="relu"
        Hidden-layer activation ("relu", "elu", "selu", "tanh", ...).
    encoder_activation : str or None, default=None
        Activation of the encoder's hidden layers when it differs from ``activation``.
    code_activation : str, default="linear"
        Activation of the code layer.
    output_activation : {"auto", "sigmoid", "linear"}, default="auto"
        "auto" uses a sigmoid when the training data lie in [0, 1] and a linear output otherwise.
    loss : {"mse", "binary_crossentropy"}, default="mse"
    optimizer : {"adam", "sgd", "rmsprop", "nadam"}, default="adam"
    learning_rate : float or None, default=None
        ``None`` picks the kind's default (see ``KIND_DEFAULTS``).
    epochs : int or None, default=None
        Maximum number of passes over the data; ``None`` picks the kind's default.
    batch_size : int or None, default=None
    early_stopping : bool, default=True
        Stop when the validation loss (training loss without a validation split) stops
        improving, and keep the best weights.
    patience : int or None, default=None
    validation_fraction : float or None, default=None
        Share of the rows held out to monitor training (0 monitors the training loss);
        ``None`` picks the kind's default (0 for "linear", whose yardstick is the training fit).
    batch_norm : bool, default=False
    dropout : float, default=0.0
    image_shape : tuple of int or None, default=None
        ``(height, width)`` for kind="conv"; ``None`` assumes square images.
    filters : tuple of int, default=(32, 64)
        Conv2D filters for kind="conv".
    kernel_size : int, default=3
    jit_compile : bool, default=True
        Compile with XLA (about twice as fast on a CPU for these models).
    random_state : int or None, default=None

    Attributes
    ----------
    encoder_, decoder_, autoencoder_ : keras.Model
    history_ : dict of list of float
        Per-epoch ``loss`` (and ``val_loss``).
    n_features_in_ : int
    n_epochs_ : int
    best_epoch_ : int
    stopped_reason_ : {"completed", "early_stopping", "stopped", "nan", "interrupted"}

    Examples
    --------
    >>> from aecore import AutoencoderReducer
    >>> from aecore.data import generate_3d_data
    >>> X = generate_3d_data(200)
    >>> codes = AutoencoderReducer(n_components=2, kind="linear", random_state=0).fit_transform(X)
    >>> codes.shape
    (200, 2)
    """

    def __init__(self, n_components=2, *, kind="dense", hidden_units=(512, 256), activation="relu",
                 encoder_activation=None, code_activation="linear", output_activation="auto",
                 loss="mse", optimizer="adam", learning_rate=None, epochs=None, batch_size=None,
                 early_stopping=True, patience=None, validation_fraction=None, batch_norm=False,
                 dropout=0.0, image_shape=None, filters=(32, 64), kernel_size=3, jit_compile=True,
                 random_state=None):
        self.n_components = n_components
        self.kind = kind
        self.hidden_units = hidden_units
        self.activation = activation
        self.encoder_activation = encoder_activation
        self.code_activation = code_activation
        self.output_activation = output_activation
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.batch_norm = batch_norm
        self.dropout = dropout
        self.image_shape = image_shape
        self.filters = filters
        self.kernel_size = kernel_size
        self.jit_compile = jit_compile
        self.random_state = random_state

    # ------------------------------------------------------------------ parameters

    def resolved_params(self) -> dict:
        """The training settings actually used: ``None`` replaced by the kind's defaults."""
        defaults = KIND_DEFAULTS.get(self.kind, KIND_DEFAULTS["dense"])
        return {name: defaults[name] if getattr(self, name) is None else getattr(self, name)
                for name in ("learning_rate", "epochs", "batch_size", "patience", "validation_fraction")}

    def _validate_params(self, n_samples: int, n_features: int) -> dict:
        from .models import KINDS

        if self.kind not in KINDS:
            raise ValueError(f"kind={self.kind!r} is not available; choose one of {list(KINDS)}.")
        n = self.n_components
        if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
            raise ValueError(f"n_components={n!r} must be a positive integer, e.g. 2.")
        if n >= n_features:
            raise ValueError(
                f"n_components={n} must be smaller than the number of features ({n_features}); "
                "choose a smaller latent size or a dataset with more columns.")
        params = self.resolved_params()
        epochs, batch_size, lr = params["epochs"], params["batch_size"], params["learning_rate"]
        if not isinstance(epochs, numbers.Integral) or epochs < 1:
            raise ValueError(f"epochs={epochs!r} must be a positive integer; train for at least 1 epoch.")
        if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"batch_size={batch_size!r} must be a positive integer, e.g. 128.")
        if not isinstance(lr, numbers.Real) or not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"learning_rate={lr!r} must be a positive number, e.g. 0.001.")
        if not isinstance(params["validation_fraction"], numbers.Real) or not (
                0.0 <= params["validation_fraction"] < 0.5):
            raise ValueError(f"validation_fraction={self.validation_fraction!r} must be in [0, 0.5).")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout={self.dropout!r} must be in [0, 1).")
        if self.loss not in ("mse", "binary_crossentropy"):
            raise ValueError(f"loss={self.loss!r} must be 'mse' or 'binary_crossentropy'.")
        if self.optimizer not in ("adam", "sgd", "rmsprop", "nadam"):
            raise ValueError(f"optimizer={self.optimizer!r} must be one of 'adam', 'sgd', "
                             "'rmsprop', 'nadam'.")
        if self.output_activation not in ("auto", "sigmoid", "linear"):
            raise ValueError(f"output_activation={self.output_activation!r} must be 'auto', "
                             "'sigmoid' or 'linear'.")
        hidden = tuple(self.hidden_units or ())
        if any(not isinstance(u, numbers.Integral) or u < 1 for u in hidden):
            raise ValueError(f"hidden_units={self.hidden_units!r} must be positive integers, "
                             "e.g. (512, 256).")
        params["hidden_units"] = tuple(int(u) for u in hidden)
        # Batches larger than the data are simply the whole data: say so by clipping.
        params["batch_size"] = int(min(batch_size, n_samples))
        return params

    def _validate_input(self, X, reset: bool) -> np.ndarray:
        X = validate_data(self, X, reset=reset, dtype=[np.float32, np.float64],
                          ensure_all_finite=False, ensure_min_samples=2, ensure_min_features=2)
        if not np.isfinite(X).all():
            raise ValueError(
                f"Input X contains {int((~np.isfinite(X)).sum())} NaN or infinite value(s); remove "
                "or impute them (e.g. sklearn.impute.SimpleImputer) before fitting.")
        return np.asarray(X, dtype=np.float32)

    # ------------------------------------------------------------------ fitting

    def fit(self, X, y=None, *, progress=None, stop_event: Optional[threading.Event] = None):
        """Train the autoencoder on ``X`` (``y`` is ignored).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : ignored
        progress : callable, optional
            ``progress(epoch, logs)`` after every epoch (epoch counts from 1).
        stop_event : threading.Event, optional
            Set it to stop after the current epoch; the best weights so far are kept.

        Returns
        -------
        self
        """
        import keras

        from . import models
        from .training import TrainingMonitor, fit_autoencoder

        X = self._validate_input(X, reset=True)
        params = self._validate_params(*X.shape)
        seed = (self.random_state if self.random_state is not None
                else int(np.random.randint(0, 2**31 - 1)))
        keras.utils.set_random_seed(int(seed))

        output_activation = self.output_activation
        if output_activation == "auto":
            output_activation = "sigmoid" if X.min() >= 0.0 and X.max() <= 1.0 else "linear"
        if self.loss == "binary_crossentropy" and (X.min() < 0 or X.max() > 1):
            raise ValueError("loss='binary_crossentropy' needs data in [0, 1]; scale X to 0-1 or "
                             "use loss='mse'.")
        image_shape = tuple(self.image_shape) if self.image_shape is not None else None
        self.architecture_ = models.Architecture(
            kind=self.kind, n_features=X.shape[1], n_components=int(self.n_components),
            hidden_units=params["hidden_units"], activation=self.activation,
            encoder_activation=self.encoder_activation, code_activation=self.code_activation,
            output_activation=output_activation, batch_norm=bool(self.batch_norm),
            dropout=float(self.dropout), image_shape=image_shape,
            filters=tuple(self.filters), kernel_size=int(self.kernel_size))
        autoencoder, encoder, decoder = models.build(self.architecture_)

        rng = np.random.default_rng(seed)
        n_val = int(round(len(X) * params["validation_fraction"]))
        if n_val >= 1 and len(X) - n_val >= 2:
            order = rng.permutation(len(X))
            X_train, X_val = X[order[n_val:]], X[order[:n_val]]
        else:
            X_train, X_val = X, None

        self.autoencoder_, self.encoder_, self.decoder_ = autoencoder, encoder, decoder
        self.output_activation_ = output_activation
        self._n_features_out = int(self.n_components)
        monitor = TrainingMonitor(monitor="val_loss" if X_val is not None else "loss",
                                  patience=params["patience"] if self.early_stopping else None,
                                  progress=progress, stop_event=stop_event, X_val=X_val,
                                  loss=self.loss)
        try:
            fit_autoencoder(autoencoder, X_train, monitor=monitor,
                            optimizer=self.optimizer, learning_rate=float(params["learning_rate"]),
                            loss=self.loss, epochs=int(params["epochs"]),
                            batch_size=params["batch_size"], jit_compile=bool(self.jit_compile),
                            shuffle_seed=seed)
        finally:
            # Also after an interruption from outside (a Streamlit rerun, Ctrl-C) the reducer is
            # left usable, holding the best weights seen so far.
            self.history_ = monitor.history
            self.n_epochs_ = monitor.epochs_run
            self.best_epoch_ = monitor.best_epoch
            self.stopped_reason_ = monitor.stopped_reason
        if monitor.stopped_reason == "nan" and monitor.best_epoch == 0:
            raise ValueError(
                f"The loss became NaN in the first epoch with learning_rate={params['learning_rate']}; "
                "lower the learning rate (e.g. by 10x) and train again.")
        return self

    # ------------------------------------------------------------------ using

    def _predict(self, model, X: np.ndarray, batch: int = 4096) -> np.ndarray:
        """Run a model in chunks without Keras' predict loop (cheap for small inputs, thread-safe)."""
        if len(X) == 0:
            return np.empty((0, model.outputs[0].shape[-1]), dtype=np.float32)
        return np.concatenate([np.asarray(model(X[i:i + batch], training=False))
                               for i in range(0, len(X), batch)])

    def transform(self, X) -> np.ndarray:
        """Encode ``X`` into latent codes of shape (n_samples, n_components)."""
        check_is_fitted(self, "encoder_")
        return self._predict(self.encoder_, self._validate_input(X, reset=False))

    def inverse_transform(self, X) -> np.ndarray:
        """Decode latent codes back into feature space, shape (n_samples, n_features_in_)."""
        check_is_fitted(self, "decoder_")
        codes = np.asarray(X, dtype=np.float32)
        if codes.ndim != 2 or codes.shape[1] != self.n_components:
            raise ValueError(f"inverse_transform expects codes of shape (n_samples, {self.n_components}); "
                             f"got shape {codes.shape}.")
        if not np.isfinite(codes).all():
            raise ValueError("The codes contain NaN or infinite values; pass finite codes.")
        return self._predict(self.decoder_, codes)

    def reconstruct(self, X) -> np.ndarray:
        """``inverse_transform(transform(X))`` in one pass."""
        check_is_fitted(self, "autoencoder_")
        return self._predict(self.autoencoder_, self._validate_input(X, reset=False))

    def score_samples(self, X) -> np.ndarray:
        """Per-sample reconstruction error (mean squared error over features)."""
        X = self._validate_input(X, reset=False)
        return np.mean((self._predict(self.autoencoder_, X) - X) ** 2, axis=1)

    def score(self, X, y=None) -> float:
        """Negative mean reconstruction error (higher is better, as scikit-learn expects)."""
        return -float(np.mean(self.score_samples(X)))

    def count_params(self) -> int:
        """Trainable parameters of the whole autoencoder."""
        check_is_fitted(self, "autoencoder_")
        return int(self.autoencoder_.count_params())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags
