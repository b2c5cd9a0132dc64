"""The parts of :class:`aecore.AutoencoderReducer` that use a fitted model as a whole: its
outlier scores in scikit-learn's convention, and saving, loading and pickling it as JSON settings
plus weights (never Keras objects). Mixins, so that the estimator's own module stays about
fitting and encoding; they rely on its ``_predict``, ``_validate_input`` and fitted models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sklearn.utils.validation import check_is_fitted

if TYPE_CHECKING:
    from .reducer import AutoencoderReducer

#: The share of training rows ``contamination="auto"`` flags as outliers.
AUTO_CONTAMINATION = 0.05
#: Most training rows whose errors place ``offset_``.
MAX_OFFSET_ROWS = 10_000


class OutlierScoresMixin:
    """``reconstruction_error`` (the anomaly score), and ``score_samples`` / ``decision_function``
    / ``predict`` as scikit-learn's outlier detectors have them (higher = more normal)."""

    def _offset(self, X: np.ndarray, rng: np.random.Generator) -> float:
        """The score below which ``contamination`` of the training rows lie (``offset_``)."""
        share = AUTO_CONTAMINATION if self.contamination == "auto" else float(self.contamination)
        # A seeded sample bounds the extra pass over the data (a 200,000-row fit would pay one
        # more epoch's worth of inference); 10,000 rows place a percentile well within 1%.
        if len(X) > MAX_OFFSET_ROWS:
            X = X[np.sort(rng.choice(len(X), MAX_OFFSET_ROWS, replace=False))]
        # X is validated already: checking it again would warn about a DataFrame's column names.
        return float(np.percentile(-self._errors(X), 100.0 * share))

    def reconstruction_error(self, X) -> np.ndarray:
        """Per-row reconstruction error: the mean squared error over the features.

        Higher means stranger to the model (the anomaly score); :meth:`score_samples` is its
        negation, as scikit-learn's outlier detectors expect.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "autoencoder_")
        return self._errors(self._validate_input(X, reset=False))

    def _errors(self, X: np.ndarray) -> np.ndarray:
        """Per-row mean squared reconstruction error of validated rows."""
        # A batch at a time: whole reconstructions of 60,000 MNIST rows held three 188 MB arrays at once.
        return np.concatenate([np.mean((self._predict(self.autoencoder_, X[i:i + 4096]) - X[i:i + 4096]) ** 2, axis=1)
                               for i in range(0, len(X), 4096)])

    def score_samples(self, X) -> np.ndarray:
        """How normal each row looks: the negated :meth:`reconstruction_error` (higher = more normal).

        The convention of scikit-learn's ``IsolationForest.score_samples``. In aecore 0.2 and
        earlier this method returned the error itself (higher = stranger); that is now
        :meth:`reconstruction_error`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return -self.reconstruction_error(X)

    def decision_function(self, X) -> np.ndarray:
        """``score_samples(X) - offset_``: negative for the rows :meth:`predict` calls outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "autoencoder_")
        if not hasattr(self, "offset_"):
            raise ValueError(
                "This reducer has no outlier threshold (offset_): it was loaded from a run saved "
                "without one (older aecore, or trained with --stream). Use score_samples(X) or "
                "reconstruction_error(X) and a threshold of your own, or fit it again.")
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """1 for an inlier, -1 for an outlier (``decision_function(X) < 0``), as scikit-learn's
        outlier detectors; ``contamination`` sets the share of training rows called outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,), int

        Examples
        --------
        >>> reducer = AutoencoderReducer(8, contamination=0.01).fit(X_train)  # doctest: +SKIP
        >>> outliers = X_new[reducer.predict(X_new) == -1]  # doctest: +SKIP
        """
        return np.where(self.decision_function(X) < 0, -1, 1)


class RunPersistenceMixin:
    """``save`` / ``load`` in the run format, and pickling as weights plus the architecture."""

    def save(self, path, *, dataset_name: str = "unknown", overwrite: bool = False) -> str:
        """Save the fitted reducer as a run directory: JSON settings and weights, never a pickle.

        The same format as ``aecore train --out`` and the app's runs (:func:`aecore.runs.saving.save_run`),
        so ``aecore encode PATH ...`` and the app can use it. Callbacks are not saved.

        Parameters
        ----------
        path : str or path
            A folder to create (or an empty one).
        dataset_name : str, default="unknown"
            What it was trained on, as ``aecore runs`` lists it.
        overwrite : bool, default=False
            Replace a run already saved at ``path`` (never a folder that holds something else).

        Returns
        -------
        str
            ``path``.

        Examples
        --------
        >>> reducer = AutoencoderReducer(8, verbose=1).fit(X)  # doctest: +SKIP
        >>> reducer.save("runs/my-digits")  # doctest: +SKIP
        >>> same = AutoencoderReducer.load("runs/my-digits")  # doctest: +SKIP
        """
        from .runs.saving import save_run

        return save_run(path, self, dataset_name=dataset_name, overwrite=overwrite)

    @classmethod
    def load(cls, path, *, budget=None) -> "AutoencoderReducer":
        """A fitted reducer rebuilt from a run directory (:meth:`save`, ``aecore train``, the app).

        The architecture is rebuilt in code from the JSON settings and only weight arrays are
        read (:func:`aecore.runs.loading.load_run`), so a run from someone else cannot run code.

        Parameters
        ----------
        path : str or path
            A run directory.
        budget : aecore.budget.Budget, optional
            Limits the model's size; ``None`` uses the default budget.

        Returns
        -------
        AutoencoderReducer
            Fitted: ``transform`` gives the same codes as the reducer that was saved.
        """
        from .runs.loading import load_run

        return load_run(path, budget=budget).reducer

    def __getstate__(self):
        """Pickle the weights and the architecture, never Keras model objects: they are rebuilt
        in code on unpickling (the project's rule for every stored model)."""
        state = dict(super().__getstate__())  # A copy: object.__getstate__ returns __dict__ itself.
        models_present = all(key in state for key in ("autoencoder_", "encoder_", "decoder_"))
        for key in ("autoencoder_", "encoder_", "decoder_"):
            state.pop(key, None)
        if models_present and "architecture_" in state:
            state["_weights"] = [np.asarray(w) for w in self.autoencoder_.get_weights()]
        return state

    def __setstate__(self, state):
        weights = state.pop("_weights", None)
        super().__setstate__(state)
        if weights is not None:
            from .models import builders as models

            self.autoencoder_, self.encoder_, self.decoder_ = models.build(self.architecture_)
            self.autoencoder_.set_weights(weights)
