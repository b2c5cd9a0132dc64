"""scikit-learn's own estimator checks for AutoencoderReducer, with a reason for every skip.

Two estimators keep the run near a minute: the default stacked autoencoder and the variational
one, the kind that differs most inside (a Keras Model subclass with its own training step).
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from aecore import AutoencoderReducer

#: Tiny, fast and seeded. sklearn's checks use small arrays with few features (down to 2 at
#: fit), so the code has one dimension; XLA would spend longer compiling than training.
SETTINGS = dict(n_components=1, epochs=1, hidden_units=(8,), batch_size=32, random_state=0,
                jit_compile=False)

ESTIMATORS = [AutoencoderReducer(**SETTINGS), AutoencoderReducer(kind="vae", **SETTINGS)]

#: Checks each estimator may fail, with the reason. None today: the reducer validates with
#: ``validate_data``, declares float32 output (``preserves_dtype``), pickles by rebuilding its
#: Keras models from code, and is deterministic for a fixed ``random_state``.
EXPECTED_FAILED_CHECKS: dict[str, str] = {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
