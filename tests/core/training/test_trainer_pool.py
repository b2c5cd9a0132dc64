"""Compiled trainers reused across fits (issue 18): a later fit of the same architecture and
settings runs the train step traced by an earlier one, gives exactly what a new model gives, and
leaves every reducer with its own weights."""

import threading

import numpy as np
import pytest
import tensorflow as tf

from aecore import AutoencoderReducer
from aecore.training import trainer_pool
from aecore.models import builders as models
from aecore.training.monitor import _dataset, seed_fit


@pytest.fixture(autouse=True)
def empty_pool():
    trainer_pool.clear()
    yield
    trainer_pool.clear()


@pytest.fixture(scope="module")
def rows(digits):
    return digits.X[:300]


def settings(**changes):
    return {**dict(n_components=3, hidden_units=(16,), epochs=3, batch_size=64, early_stopping=False,
                   validation_fraction=0.0, random_state=0), **changes}


def only_trainer():
    (trainers,) = trainer_pool._idle.values()
    (trio,) = trainers
    return trio


def tracing_count(train_function) -> int:
    """How often Keras' compiled train step was traced (the tf.function its wrapper closes over)."""
    (traced,) = [cell.cell_contents for cell in train_function.__closure__
                 if hasattr(cell.cell_contents, "experimental_get_tracing_count")]
    return traced.experimental_get_tracing_count()


@pytest.mark.slow
def test_a_second_fit_reuses_the_traced_train_step_and_gives_the_same_model(rows):
    first = AutoencoderReducer(**settings()).fit(rows)
    trainer = only_trainer()
    traced = trainer[0].train_function
    tracings = tracing_count(traced)
    assert tracings >= 1
    again = AutoencoderReducer(**settings()).fit(rows)
    assert only_trainer() is trainer and trainer[0].train_function is traced
    assert tracing_count(traced) == tracings  # no new trace
    for a, b in zip(first.autoencoder_.get_weights(), again.autoencoder_.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert first.history_ == again.history_
    # The optimizer started afresh: as many steps as one fit makes, not two fits' worth.
    assert int(trainer[0].optimizer.iterations.numpy()) == 3 * 5


@pytest.mark.slow
def test_each_reducer_keeps_its_own_weights(rows):
    first = AutoencoderReducer(**settings()).fit(rows)
    before = [w.copy() for w in first.autoencoder_.get_weights()]
    other = AutoencoderReducer(**settings(random_state=1)).fit(rows)
    assert first.autoencoder_ is not other.autoencoder_ and first.autoencoder_ is not only_trainer()[0]
    for a, b in zip(before, first.autoencoder_.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.transform(rows), other.transform(rows))


@pytest.mark.slow
def test_other_settings_get_another_trainer_and_the_pool_stays_bounded(rows, monkeypatch):
    monkeypatch.setattr(trainer_pool, "MAX_IDLE", 2)
    for units in [(16,), (12,), (8,)]:
        AutoencoderReducer(**settings(hidden_units=units)).fit(rows)
    assert trainer_pool.idle_count() == 2
    kept = {key[0].hidden_units for key in trainer_pool._idle}
    assert kept == {(12,), (8,)}  # the least recently used went first


def test_concurrent_fits_of_the_same_settings_get_separate_trainers(rows):
    arch = models.Architecture(kind="dense", n_features=64, n_components=2, hidden_units=(8,))
    key = trainer_pool.fit_key(arch, optimizer="adam", loss="mse", jit_compile=True, n_rows=300,
                               batch_size=64, max_steps_per_execution=32)
    own_a, own_b = models.build(arch), models.build(arch)
    with trainer_pool.lease(arch, own_a, key) as a, trainer_pool.lease(arch, own_b, key) as b:
        assert a[0] is not b[0]
        np.testing.assert_array_equal(a[0].get_weights()[0], own_a[0].get_weights()[0])
        np.testing.assert_array_equal(b[0].get_weights()[0], own_b[0].get_weights()[0])
    assert trainer_pool.idle_count() == 2


@pytest.mark.slow
def test_an_interrupted_fit_leaves_a_usable_model_and_a_free_trainer(rows):
    class Rerun(BaseException):
        """Stands in for Streamlit's RerunException, raised inside the progress hook."""

    def progress(epoch, logs):
        if epoch == 2:
            raise Rerun()

    reducer = AutoencoderReducer(**settings(epochs=50))
    with pytest.raises(Rerun):
        reducer.fit(rows, progress=progress)
    assert reducer.n_epochs_ == 2 and np.isfinite(reducer.transform(rows)).all()
    trainer = only_trainer()
    np.testing.assert_array_equal(trainer[0].get_weights()[0], reducer.autoencoder_.get_weights()[0])
    later = AutoencoderReducer(**settings()).fit(rows)
    assert later.n_epochs_ == 3 and only_trainer() is trainer


@pytest.mark.slow
@pytest.mark.parametrize("kind, extra", [("denoising", {}), ("vae", {}), ("dense", {"dropout": 0.2})])
def test_random_layers_repeat_exactly_through_a_reused_trainer(rows, kind, extra):
    """Corruption, sampling and dropout draw from seed generators whose state is copied in too."""
    first = AutoencoderReducer(**settings(kind=kind, **extra)).fit(rows)
    again = AutoencoderReducer(**settings(kind=kind, **extra)).fit(rows)
    np.testing.assert_array_equal(first.transform(rows), again.transform(rows))


@pytest.mark.slow
def test_a_model_too_large_for_the_pool_is_trained_as_it_is(rows, monkeypatch):
    monkeypatch.setattr(trainer_pool, "MAX_IDLE_PARAMETERS", 10)
    reducer = AutoencoderReducer(**settings()).fit(rows)
    assert trainer_pool.idle_count() == 0 and reducer.autoencoder_.optimizer is not None


def test_the_shuffle_is_seeded_stateless_and_covers_every_row_each_pass():
    X = np.arange(10, dtype=np.float32).reshape(10, 1)

    def first_rows(seed, n=30):
        batches = iter(_dataset(X, 5, shuffle_seed=seed))
        return np.concatenate([next(batches)[0].numpy()[:, 0] for _ in range(n // 5)])

    tf.random.set_seed(123)  # TensorFlow's global seed does not change the order
    a = first_rows(7)
    tf.random.set_seed(456)
    assert np.array_equal(a, first_rows(7))
    passes = a.reshape(3, 10)
    assert all(sorted(p) == list(range(10)) for p in passes)
    assert not np.array_equal(passes[0], passes[1])  # a new order every pass
    assert not np.array_equal(a, first_rows(8))
    assert list(first_rows(None, 10)) == list(range(10))


def test_seeding_a_fit_leaves_tensorflows_global_seed_alone():
    from tensorflow.python.eager import context

    before = context.global_seed()
    seed_fit(5)
    assert context.global_seed() == before
    assert np.random.randint(1000) == np.random.RandomState(5).randint(1000)


@pytest.mark.slow
def test_fits_in_parallel_threads_each_finish_with_their_own_model(rows):
    results = {}

    def fit(seed):
        results[seed] = AutoencoderReducer(**settings(random_state=seed)).fit(rows).transform(rows)

    threads = [threading.Thread(target=fit, args=(seed,)) for seed in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(np.isfinite(codes).all() for codes in results.values())
    assert not np.array_equal(results[0], results[1])
    assert 1 <= trainer_pool.idle_count() <= 2  # one trainer each while they overlapped


@pytest.mark.slow
def test_the_fit_that_compiles_a_trainer_collects_its_garbage_and_a_reusing_fit_does_not(rows, monkeypatch):
    # Compiling leaves many new long-lived objects; collected then, Python's next full collection
    # (0.2-0.3 s) does not fall into the first epoch of the next fit.
    import gc

    collected = []
    monkeypatch.setattr(gc, "collect", lambda *args: collected.append(args) or 0)
    AutoencoderReducer(**settings()).fit(rows)
    assert len(collected) == 1
    AutoencoderReducer(**settings(random_state=1)).fit(rows)
    assert len(collected) == 1
