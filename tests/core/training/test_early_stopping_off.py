"""Early stopping off (post 001's setting): all epochs train and the last epoch's weights are kept;
with it on, the best epoch's; the help says so."""

import numpy as np
import pytest

from aecore import AutoencoderReducer, params

#: A fit that only has to run: 300 digits, one small hidden layer, two epochs.
TINY = dict(hidden_units=(32,), epochs=2, batch_size=64, random_state=0)


@pytest.fixture(scope="module")
def X():
    from aecore.data.datasets import load_digits_8x8

    return load_digits_8x8().X[:300]


@pytest.mark.slow
def test_without_early_stopping_the_last_epochs_weights_are_kept(X):
    seen = {}

    class Capture:
        def __call__(self, epoch, logs):
            seen[epoch] = reducer.autoencoder_.get_weights()

    # A step this large makes the loss jump about: here the last epoch is not the best one.
    settings = dict(hidden_units=(32,), epochs=8, batch_size=32, random_state=1, optimizer="adam",
                    learning_rate=0.15, validation_fraction=0.2)
    reducer = AutoencoderReducer(4, early_stopping=False, **settings)
    reducer.fit(X, progress=Capture())
    assert reducer.stopped_reason_ == "completed" and reducer.n_epochs_ == 8
    assert reducer.best_epoch_ < 8, reducer.history_["val_loss"]
    kept = reducer.autoencoder_.get_weights()
    for mine, last in zip(kept, seen[8]):
        np.testing.assert_array_equal(mine, last)
    assert any(not np.array_equal(mine, best) for mine, best in zip(kept, seen[reducer.best_epoch_]))

    # With early stopping on, the same fit keeps the best epoch's weights.
    seen.clear()
    reducer = AutoencoderReducer(4, early_stopping=True, patience=100, **settings)
    reducer.fit(X, progress=Capture())
    for mine, best in zip(reducer.autoencoder_.get_weights(), seen[reducer.best_epoch_]):
        np.testing.assert_array_equal(mine, best)


@pytest.mark.slow
def test_without_early_stopping_the_final_loss_is_the_last_epochs(X):
    reducer = AutoencoderReducer(4, early_stopping=False, validation_fraction=0.2, **TINY).fit(X)
    assert reducer.n_epochs_ == 2
    # history_'s last val_loss is the held-out loss of the weights the reducer holds.
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X))
    held_out = X[order[:60]]
    mse = float(np.mean((reducer.reconstruct(held_out) - held_out) ** 2))
    assert mse == pytest.approx(reducer.history_["val_loss"][-1], rel=1e-4)


def test_the_monitor_keeps_the_best_weights_after_a_stop_even_without_early_stopping():
    from aecore.training.monitor import TrainingMonitor

    assert TrainingMonitor(patience=None).keep_best is False
    assert TrainingMonitor(patience=5).keep_best is True
    assert TrainingMonitor(patience=None, keep_best=True).keep_best is True


def test_the_early_stopping_help_says_what_off_does():
    assert "off: train all epochs and keep the last" in params.BY_NAME["early_stopping"].help
