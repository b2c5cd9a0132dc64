"""AutoencoderReducer: the scikit-learn-compatible face of the library."""

from __future__ import annotations

import numbers
import threading
from dataclasses import replace
from typing import Optional

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .params import SPARSITY_WEIGHTS, numpydoc, storing_init
from .presets import TRAINING_SETTINGS, resolved_training
from .progress import chain, for_verbosity
from .reducer_mixins import OutlierScoresMixin, RunPersistenceMixin
from .training.snapshots import LatentSnapshots

class AutoencoderReducer(OutlierScoresMixin, RunPersistenceMixin, ClassNamePrefixFeaturesOutMixin,
                         TransformerMixin, BaseEstimator):
    """Reduce dimensionality with a Keras autoencoder, the scikit-learn way.

    ``fit`` trains an encoder and a decoder to reproduce ``X``; ``transform`` returns the
    latent codes; ``inverse_transform`` decodes codes back into feature space.

    Parameters
    ----------
{parameters}
    budget : aecore.budget.Budget or None, default=None
        The resource limits :meth:`fit` checks before building anything (parameters, memory,
        compute, steps); ``None`` uses :meth:`aecore.budget.Budget.default`. Pass
        ``Budget.unlimited()`` or ``Budget().scaled(10)`` on a machine that can afford more.

    Attributes
    ----------
    encoder_, decoder_, autoencoder_ : keras.Model
    history_ : dict of list of float
        Per-epoch ``loss`` (and ``val_loss``); a VAE adds ``reconstruction_loss`` and
        ``kl_loss`` (and their ``val_`` versions), greedy training adds ``stage``.
    latent_history_ : aecore.training.snapshots.LatentHistory or None
        A fixed subset's 2-D view after each epoch (:mod:`aecore.training.snapshots`); None after greedy training.
    n_features_in_ : int
    n_epochs_ : int
    best_epoch_ : int
    stopped_reason_ : {"completed", "early_stopping", "stopped", "nan", "interrupted"}
    training_estimate_ : aecore.budget.TrainingEstimate
        What the fit was estimated to cost before it started.
    offset_ : float
        The :meth:`score_samples` value below which ``contamination`` of the training rows lie:
        :meth:`decision_function` subtracts it and :meth:`predict` calls rows below it outliers.

    Examples
    --------
    >>> from aecore import AutoencoderReducer
    >>> from aecore.data.datasets import generate_3d_data
    >>> X = generate_3d_data(200)
    >>> codes = AutoencoderReducer(n_components=2, kind="linear", random_state=0).fit_transform(X)
    >>> codes.shape
    (200, 2)
    """

    # __init__ only stores its arguments; its signature is made from aecore.params below the class.

    # ------------------------------------------------------------------ parameters

    def resolved_params(self) -> dict:
        """The training settings actually used: ``None`` replaced by the kind's defaults.

        ``total_epochs`` is the most epochs a fit can report to ``progress``: ``epochs``, or for
        greedy training ``epochs`` per stacked layer plus ``greedy_finetune_epochs``.
        """
        return resolved_training(self.get_params(deep=False))

    def _resolve_params(self, n_samples: int, n_features: int) -> dict:
        """Check every setting (its declaration in :mod:`aecore.params`, then the rules that
        join several), and return the training settings actually used."""
        from .params import GREEDY_KINDS, check, check_latent_size

        check(self.get_params())
        check_latent_size(self.n_components, n_features)
        params = self.resolved_params()
        params.update(check({name: params[name] for name in TRAINING_SETTINGS}))
        params["hidden_units"] = tuple(int(u) for u in (self.hidden_units or ()))
        params["decoder_units"] = (None if self.decoder_units is None
                                   else tuple(int(u) for u in self.decoder_units))
        mirrored = params["decoder_units"] in (None, params["hidden_units"][::-1])
        if not mirrored and (self.kind == "tied" or self.greedy):
            raise ValueError(
                f"decoder_units={self.decoder_units!r} differs from hidden_units reversed, but "
                f"{'kind=tied' if self.kind == 'tied' else 'greedy=True'} builds the decoder as the "
                "encoder's mirror; set decoder_units=None or pick kind='dense'.")
        if self.greedy:
            if self.kind not in GREEDY_KINDS:
                raise ValueError(f"greedy=True trains stacked Dense layers one by one, so it needs "
                                 f"kind in {list(GREEDY_KINDS)}; got kind={self.kind!r}. Set "
                                 "greedy=False or pick one of those kinds.")
            if self.batch_norm:
                raise ValueError("greedy=True does not support batch_norm=True; turn one of them off.")
        if self.kind == "conv" or (self.kind == "vae" and self.vae_layers == "conv"):
            # Each strided convolution halves the image: too many filter layers for the image is a
            # setting's error, found here rather than while Keras builds the model.
            from .models.shapes import conv_image_shape

            conv_image_shape(n_features, self.image_shape, len(self.filters))
        if self.noise == "dropout" and self.noise_level >= 1.0:
            raise ValueError(f"noise_level={self.noise_level!r} must be in [0, 1) for dropout noise "
                             "(the share of values set to zero) or in [0, 10] for Gaussian noise "
                             "(its standard deviation), e.g. 0.3.")
        weight = SPARSITY_WEIGHTS[self.sparsity] if self.sparsity_weight is None else self.sparsity_weight
        params["sparsity_weight"] = float(weight)
        # Batches larger than the data are simply the whole data: say so by clipping.
        params["batch_size"] = int(min(params["batch_size"], n_samples))
        return params

    def training_estimate(self, n_samples: int, n_features: int):
        """What fitting ``n_samples`` rows of ``n_features`` values will cost, checked against the
        budget before anything is built: a :class:`~aecore.budget.TrainingEstimate`.

        Raises ``ValueError`` when a setting is invalid or the training is over the budget (the
        message names the estimate, the limit and what to change).
        """
        return self._check_budget(self._resolve_params(int(n_samples), int(n_features)),
                                  int(n_samples), int(n_features))

    def _check_budget(self, params: dict, n_samples: int, n_features: int):
        """The budget's estimate for validated ``params``; ``ValueError`` when over it."""
        from .budget import NetworkShape, resolve

        shape = replace(NetworkShape.of(self, n_features), hidden_units=params["hidden_units"],
                        decoder_units=params["decoder_units"])
        return resolve(self.budget).check_training(shape, n_samples, params["total_epochs"],
                                                   params["batch_size"])

    def _validate_input(self, X, reset: bool) -> np.ndarray:
        # Fitting needs two rows and two features; encoding a single row of the right width is fine.
        minimum = 2 if reset else 1
        X = validate_data(self, X, reset=reset, dtype=[np.float32, np.float64],
                          ensure_all_finite=False, ensure_min_samples=minimum,
                          ensure_min_features=minimum)
        if not np.isfinite(X).all():
            raise ValueError(
                f"Input X contains {int((~np.isfinite(X)).sum())} NaN or infinite value(s); remove "
                "or impute them (e.g. sklearn.impute.SimpleImputer) before fitting.")
        return np.asarray(X, dtype=np.float32)

    def _architecture(self, n_features: int, output_activation: str, params: dict, *,
                      in_unit_range: bool):
        """The :class:`~aecore.models.builders.Architecture` these parameters describe."""
        from .models import builders as models

        image_shape = tuple(self.image_shape) if self.image_shape is not None else None
        arch = models.Architecture(
            kind=self.kind, n_features=int(n_features), n_components=int(self.n_components),
            hidden_units=params["hidden_units"], decoder_units=params["decoder_units"], activation=self.activation,
            encoder_activation=self.encoder_activation, code_activation=self.code_activation,
            output_activation=output_activation, batch_norm=bool(self.batch_norm),
            dropout=float(self.dropout), image_shape=image_shape,
            filters=tuple(self.filters), kernel_size=int(self.kernel_size), noise=self.noise,
            noise_level=float(self.noise_level), clip_noise=bool(in_unit_range),
            sparsity=self.sparsity, sparsity_weight=params["sparsity_weight"],
            sparsity_target=float(self.sparsity_target), kl_weight=float(self.kl_weight), vae_layers=self.vae_layers,
            wta_rate=float(self.wta_rate), contractive_weight=float(self.contractive_weight))
        # Record the code activation the kind really uses (sparse: sigmoid, wta: relu, ...).
        return replace(arch, code_activation=models.code_activation(arch))

    # ------------------------------------------------------------------ fitting

    def fit(self, X, y=None, *, progress=None, stop_event: Optional[threading.Event] = None):
        """Train the autoencoder on ``X`` (``y`` is ignored).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : ignored
        progress : callable, optional
            ``progress(epoch, logs)`` after every epoch (epoch counts from 1; with
            ``greedy=True`` it counts on across the stages and ``logs`` carry ``stage`` and
            ``n_stages``).
            When ``progress`` has an ``on_batch(step, steps)`` method, it is called between
            compiled executions (every ~0.25 s of training): raising there, or setting
            ``stop_event``, stops the fit within the epoch.
        stop_event : threading.Event, optional
            Set it to stop after the current batch; the best weights so far are kept.

        Raises
        ------
        ValueError
            Invalid settings or data, or a training over the budget (see ``budget``); nothing is
            built in that case.

        Returns
        -------
        self
        """
        from .training.monitor import seed_fit, steps_per_execution_limit

        X = self._validate_input(X, reset=True)
        # The budget is checked before any model exists: a refused fit allocates nothing.
        params = self._resolve_params(*X.shape)
        self.training_estimate_ = self._check_budget(params, *X.shape)
        params["steps_per_execution"] = steps_per_execution_limit(self.training_estimate_, params["batch_size"])
        params["on_batch"] = getattr(progress, "on_batch", None)
        seed = (self.random_state if self.random_state is not None
                else int(np.random.randint(0, 2**31 - 1)))
        seed_fit(int(seed))

        in_unit_range = bool(X.min() >= 0.0 and X.max() <= 1.0)
        output_activation = self.output_activation
        if output_activation == "auto":
            output_activation = "sigmoid" if in_unit_range else "linear"
        if self.loss == "binary_crossentropy" and not in_unit_range:
            raise ValueError("loss='binary_crossentropy' needs data in [0, 1]; scale X to 0-1 or "
                             "use loss='mse'.")
        self.architecture_ = self._architecture(X.shape[1], output_activation, params,
                                                in_unit_range=in_unit_range)
        self.output_activation_ = output_activation
        self._n_features_out = int(self.n_components)

        rng = np.random.default_rng(seed)
        n_val = int(round(len(X) * params["validation_fraction"]))
        if n_val >= 1 and len(X) - n_val >= 2:
            order = rng.permutation(len(X))
            X_train, X_val = X[order[n_val:]], X[order[:n_val]]
        else:
            X_train, X_val = X, None

        # verbose's display listens next to the caller's own listener, and is closed also when
        # the fit is interrupted (Ctrl+C in a notebook) so that no half-drawn bar stays behind.
        display = for_verbosity(self.verbose, params["total_epochs"])
        listener = chain(progress, display)
        try:
            if self.greedy:
                self.latent_history_ = None  # greedy training fits other models stage by stage
                monitor = self._fit_greedy(X_train, X_val, params, seed, listener, stop_event)
            else:
                snapshots = LatentSnapshots(X, self.n_components, params["epochs"], seed)
                monitor = self._fit_end_to_end(X_train, X_val, params, seed, listener, stop_event, snapshots)
        finally:
            if display is not None:
                display.close()
        if monitor.stopped_reason == "nan" and monitor.best_epoch == 0:
            raise ValueError(
                f"The loss became NaN in the first epoch with learning_rate={params['learning_rate']}; "
                "lower the learning rate (e.g. by 10x) and train again.")
        self.offset_ = self._offset(X, rng)
        return self

    def _monitor(self, params: dict, X_val, *, progress=None, stop_event=None, validation_model=None):
        """A TrainingMonitor for one phase of training."""
        from .training.monitor import TrainingMonitor

        return TrainingMonitor(monitor="val_loss" if X_val is not None else "loss",
                               patience=params["patience"] if self.early_stopping else None,
                               progress=progress, stop_event=stop_event, X_val=X_val,
                               loss=self.loss, validation_model=validation_model,
                               on_batch=params.get("on_batch"), keep_best=bool(self.early_stopping))

    def _train(self, autoencoder, X_train, monitor, params: dict, seed: int, epochs: int,
               loss: Optional[str] = None) -> None:
        """Fit one Keras model to reproduce ``X_train`` on the fast tf.data path."""
        from .training.monitor import fit_autoencoder

        fit_autoencoder(autoencoder, X_train, monitor=monitor, optimizer=self.optimizer,
                        learning_rate=float(params["learning_rate"]), loss=loss or self.loss,
                        epochs=int(epochs), batch_size=int(min(params["batch_size"], len(X_train))),
                        jit_compile=bool(self.jit_compile), shuffle_seed=seed,
                        max_steps_per_execution=params.get("steps_per_execution", 32),
                        callbacks=self.callbacks or ())

    def _fit_end_to_end(self, X_train, X_val, params, seed, progress, stop_event, snapshots):
        """Train the whole autoencoder at once while ``snapshots`` watch the codes form."""
        from .models import builders as models
        from .training import trainer_pool

        own = models.build(self.architecture_)
        monitor = self._monitor(params, X_val, progress=snapshots.listening(progress), stop_event=stop_event)
        key = trainer_pool.fit_key(self.architecture_, optimizer=self.optimizer, loss=self.loss,
                                   jit_compile=self.jit_compile, n_rows=len(X_train), batch_size=params["batch_size"],
                                   max_steps_per_execution=params.get("steps_per_execution", 32))
        # A compiled trainer skips tracing the train step again (~4 s); its weights land in `own` at the end.
        with trainer_pool.lease(self.architecture_, own, key) as trio:
            # While it trains the reducer holds the trainer, so that listeners see the weights move.
            self.autoencoder_, self.encoder_, self.decoder_ = trio
            snapshots.watch(trio[1], trio[2] if self.architecture_.kind == "linear" else None)
            try:
                self._train(trio[0], X_train, monitor, params, seed, params["epochs"])
            finally:
                # Also after an interruption (a Streamlit rerun, Ctrl-C) the reducer keeps the best weights so far.
                self.autoencoder_, self.encoder_, self.decoder_ = own
                self.history_, self.n_epochs_ = monitor.history, monitor.epochs_run
                self.best_epoch_, self.stopped_reason_ = monitor.best_epoch, monitor.stopped_reason
                self.latent_history_ = snapshots.finish_fit(monitor)
        return monitor

    def _fit_greedy(self, X_train, X_val, params, seed, progress, stop_event):
        """Greedy layer-wise training (:func:`aecore.training.greedy.fit_greedy`)."""
        from .training.greedy import fit_greedy

        return fit_greedy(self, X_train, X_val, params, seed, progress, stop_event)

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

    def score(self, X, y=None) -> float:
        """Negative mean reconstruction error (higher is better, as scikit-learn expects)."""
        return -float(np.mean(self.reconstruction_error(X)))

    def activation_stats(self, X, threshold: float = 0.1) -> dict:
        """How often each code unit fires on ``X`` (for sparse and winner-take-all codes).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        threshold : float, default=0.1
            A code value above it counts as active.

        Returns
        -------
        dict
            ``mean_activation`` (ndarray of shape (n_components,), each unit's mean code value),
            ``fraction_active`` (float, share of all code values above ``threshold``),
            ``fraction_active_per_unit`` (ndarray of shape (n_components,)) and ``threshold``.
        """
        codes = self.transform(X).astype(np.float64)
        active = codes > threshold
        return {"mean_activation": codes.mean(axis=0), "fraction_active": float(active.mean()),
                "fraction_active_per_unit": active.mean(axis=0), "threshold": float(threshold)}

    def _check_generative(self, method: str) -> None:
        check_is_fitted(self, "decoder_")
        if self.architecture_.kind != "vae":
            raise ValueError(f"{method}() needs a variational autoencoder, whose codes follow a known "
                             f"distribution; this one has kind={self.architecture_.kind!r}. Fit "
                             "AutoencoderReducer(kind='vae') to generate new rows.")

    def sample(self, n: int, random_state=None) -> np.ndarray:
        """Decode ``n`` codes drawn from the VAE's prior N(0, I): new rows, shape (n, n_features).

        Parameters
        ----------
        n : int
        random_state : int, numpy Generator or None

        Examples
        --------
        >>> vae = AutoencoderReducer(2, kind="vae", epochs=5).fit(X)  # doctest: +SKIP
        >>> vae.sample(16, random_state=0).shape  # doctest: +SKIP
        (16, 64)
        """
        self._check_generative("sample")
        if not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"n={n!r} must be a non-negative integer, e.g. 16.")
        rng = np.random.default_rng(random_state)
        codes = rng.standard_normal((int(n), int(self.n_components))).astype(np.float32)
        return self._predict(self.decoder_, codes)

    def manifold_grid(self, n: int = 15, span: float = 2.0) -> np.ndarray:
        """Decode an ``n`` x ``n`` grid of codes covering [-span, span] in the first two code
        dimensions (the others at 0, the prior's mean), as in keras-io's VAE latent-space plot.

        Returns
        -------
        ndarray of shape (n * n, n_features)
            Row-major: grid row ``i`` (second code dimension, from +span down to -span) holds
            columns ``j`` (first code dimension, from -span to +span); reshape to
            ``(n, n, *image_shape)`` to draw a mosaic.
        """
        self._check_generative("manifold_grid")
        if not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"n={n!r} must be a positive integer, e.g. 15.")
        if not np.isfinite(span) or span <= 0:
            raise ValueError(f"span={span!r} must be a positive number, e.g. 2.0 prior standard deviations.")
        if self.n_components < 2:
            raise ValueError(f"manifold_grid() varies two code dimensions but n_components="
                             f"{self.n_components}; fit a VAE with n_components >= 2.")
        axis = np.linspace(-span, span, int(n))
        codes = np.zeros((int(n) * int(n), int(self.n_components)), dtype=np.float32)
        grid_y, grid_x = np.meshgrid(axis[::-1], axis, indexing="ij")
        codes[:, 0], codes[:, 1] = grid_x.ravel(), grid_y.ravel()
        return self._predict(self.decoder_, codes)

    def count_params(self) -> int:
        """Trainable parameters of the whole autoencoder."""
        check_is_fitted(self, "autoencoder_")
        return int(self.autoencoder_.count_params())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        # Codes and reconstructions are always float32, Keras' working precision.
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


AutoencoderReducer.__init__ = storing_init(budget=None)
AutoencoderReducer.__doc__ = AutoencoderReducer.__doc__.replace("{parameters}", numpydoc())
