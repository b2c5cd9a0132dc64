"""The resource budget (issue 14): arithmetic sizes match Keras, over-budget work is refused before
anything is built, and a running training stops between batches. (The job slots:
app/test_job_slot_queue.py.)"""

import threading

import numpy as np
import pytest

from aecore.budget import Budget, NetworkShape

# The hostile link of issue 14: eight 4096-wide layers, batch 1, 1,000 epochs.
HOSTILE = dict(n_components=32, hidden_units=(4096,) * 8, batch_size=1, epochs=1000, early_stopping=False)

SHAPES = [
    dict(kind="linear", n_features=3, n_components=2, hidden_units=()),
    dict(kind="dense", n_features=784, n_components=10, hidden_units=(512, 256)),
    dict(kind="dense", n_features=784, n_components=64, hidden_units=(784,)),
    dict(kind="dense", n_features=64, n_components=3, hidden_units=(16, 8), batch_norm=True),
    dict(kind="tied", n_features=64, n_components=3, hidden_units=(16, 8)),
    dict(kind="tied", n_features=64, n_components=3, hidden_units=(16,), batch_norm=True),
    dict(kind="denoising", n_features=64, n_components=3, hidden_units=(16,)),
    dict(kind="sparse", n_features=64, n_components=8, hidden_units=(16,)),
    dict(kind="wta", n_features=64, n_components=8, hidden_units=(16,)),
    dict(kind="vae", n_features=64, n_components=2, hidden_units=(16, 8), batch_norm=True),
    dict(kind="conv", n_features=784, n_components=64, hidden_units=(), filters=(32, 64), kernel_size=2,
         image_shape=(28, 28)),
    dict(kind="conv", n_features=784, n_components=10, hidden_units=(32,), filters=(8, 16), kernel_size=3),
    dict(kind="conv", n_features=64, n_components=4, hidden_units=(), filters=(8,), kernel_size=3,
         image_shape=(8, 8)),
    # keras-io's convolutional VAE: Conv2D 32, 64 (stride 2), Dense 16, a 2-D code; no Dense layer up.
    dict(kind="vae", vae_layers="conv", n_features=784, n_components=2, hidden_units=(16,), decoder_units=(),
         filters=(32, 64), kernel_size=3),
    dict(kind="vae", vae_layers="conv", n_features=64, n_components=3, hidden_units=(), filters=(8,),
         kernel_size=3, image_shape=(8, 8)),
]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s['kind']}-{s.get('vae_layers', '')}-{s['hidden_units']}")
def test_arithmetic_parameter_count_matches_keras(shape):
    from aecore.models import builders as models

    arithmetic = NetworkShape(**shape)
    autoencoder, _, _ = models.build(models.Architecture(**shape))
    assert arithmetic.parameters() == autoencoder.count_params()
    assert [layer.parameters for layer in arithmetic.layers()] == [
        row["parameters"] for row in models.summary_rows(autoencoder) if row["parameters"] or
        row["type"] in ("Dense", "DenseTranspose", "Conv2D", "Conv2DTranspose", "BatchNormalization")]


def test_seed_parameter_counts():
    """The counts printed in the seeds (FIELD_NOTES): 716,640 dense, 421,377 CNN, 17,838 tabular."""
    assert NetworkShape("dense", 784, 64, (784,)).parameters() == 1_332_080  # preset's (wrong) 784-784-64
    assert NetworkShape("conv", 784, 64, (), filters=(32, 64), kernel_size=2).parameters() == 421_377
    assert NetworkShape("dense", 100, 10, (64, 32)).parameters() == 17_838


@pytest.fixture()
def no_keras_build(monkeypatch):
    """Fail the test if any Keras model is built."""
    from aecore.models import builders as models

    def refuse(*args, **kwargs):
        raise AssertionError("a Keras model was built for work the budget should have refused")

    monkeypatch.setattr(models, "build", refuse)


def test_fit_refuses_the_hostile_link_before_building_anything(digits, no_keras_build):
    from aecore import AutoencoderReducer

    with pytest.raises(ValueError, match=r"parameters; the limit is 10,000,000") as info:
        AutoencoderReducer(**HOSTILE).fit(digits.X)
    assert "hidden_units" in str(info.value)


def test_a_keystroke_of_300000_hidden_units_is_refused_by_arithmetic(no_keras_build):
    from aecore.presets import TrainConfig

    with pytest.raises(ValueError, match=r"hidden_units=\(300000,\) must be whole numbers in \[1, 4096\]"):
        TrainConfig(hidden_units=(300000,)).to_reducer().training_estimate(4000, 784)
    # Within every setting's bounds, the parameters are counted by arithmetic: 784 x 4,096 x 2
    # + 4,096 x 4,096 x 2 weights and more.
    reducer = TrainConfig(n_components=10, hidden_units=(4096, 4096)).to_reducer()
    with pytest.raises(ValueError, match="40,076,058 parameters"):
        reducer.training_estimate(4000, 784)


@pytest.mark.parametrize("change, limit", [
    (dict(hidden_units=(1024,), batch_size=1, epochs=200), "steps"),
    (dict(hidden_units=(1024, 1024), epochs=1000, batch_size=4096), "multiply-adds"),
    (dict(hidden_units=(2000,), batch_size=4096, epochs=1), "memory"),
])
def test_each_limit_names_itself(change, limit, no_keras_build):
    from aecore.presets import TrainConfig

    budget = Budget(max_training_bytes=200_000_000) if limit == "memory" else Budget()
    reducer = TrainConfig(**change).to_reducer()
    reducer.set_params(budget=budget)
    with pytest.raises(ValueError, match=limit):
        reducer.training_estimate(48_000, 784)


def test_the_library_may_raise_the_budget_explicitly():
    from aecore.presets import TrainConfig

    reducer = TrainConfig(**HOSTILE).to_reducer()
    with pytest.raises(ValueError):
        reducer.training_estimate(4000, 784)
    reducer.set_params(budget=Budget.unlimited())
    estimate = reducer.training_estimate(4000, 784)
    assert estimate.parameters > 200_000_000
    reducer.set_params(budget=Budget().scaled(1000))
    assert reducer.training_estimate(1000, 784).parameters == estimate.parameters


def test_the_server_owner_scales_the_default_budget(monkeypatch):
    monkeypatch.setenv("AECORE_BUDGET_SCALE", "4")
    assert Budget.default().max_parameters == 40_000_000
    monkeypatch.setenv("AECORE_BUDGET_SCALE", "nan")
    assert Budget.default() == Budget()


def test_recommended_settings_on_full_mnist_fit_the_budget():
    from aecore.presets import PRESETS

    for name, (_, config) in PRESETS.items():
        estimate = config.to_reducer().training_estimate(48_000, 784)
        assert estimate.bytes < Budget().max_training_bytes, name


def test_every_array_and_decode_limit_counts_real_sizes():
    budget = Budget()
    with pytest.raises(ValueError, match="98,000,000 values"):
        budget.check_array((20_000, 4_900), 1)  # the 0.46 MB npz of issue 14
    with pytest.raises(ValueError, match="480 MB"):
        budget.check_array((10_000, 4_000), 8)  # float64 as stored + its float32 copy
    budget.check_array((5_000, 784), 8)
    with pytest.raises(ValueError, match="pixels"):
        budget.check_decode(3 * 4096 * 4096)


# --------------------------------------------------------------------------- stopping a fit


class _BatchStop:
    """A progress listener whose batch hook stops the fit on its first call."""

    def __init__(self, event=None):
        self.event, self.batches, self.epochs = event, [], []

    def __call__(self, epoch, logs):
        self.epochs.append(epoch)

    def on_batch(self, step, steps):
        self.batches.append((step, steps))
        if self.event is not None:
            self.event.set()
        else:
            raise KeyboardInterrupt  # what Streamlit's StopException does inside an st.* call


@pytest.mark.slow
def test_a_stop_request_is_honoured_between_batches(mnist_sample):
    """Issue 14, case 10: a stop lands within the epoch, not at its end."""
    from aecore import AutoencoderReducer

    event = threading.Event()
    listener = _BatchStop(event)
    reducer = AutoencoderReducer(8, hidden_units=(256,), batch_size=8, epochs=5, random_state=0,
                                 validation_fraction=0.0)
    reducer.fit(mnist_sample.X[:2000], progress=listener, stop_event=event)
    assert reducer.stopped_reason_ == "stopped" and reducer.n_epochs_ == 1
    # Keras may finish the execution already under way: the fit ends one execution later at most,
    # far from the end of the 250-step epoch.
    assert len(listener.batches) <= 2
    step, steps = listener.batches[-1]
    assert step < steps == 250


@pytest.mark.slow
def test_an_exception_from_the_batch_hook_interrupts_the_fit_and_keeps_a_usable_model(mnist_sample):
    from aecore import AutoencoderReducer

    listener = _BatchStop()
    reducer = AutoencoderReducer(8, hidden_units=(64,), batch_size=8, epochs=3, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        reducer.fit(mnist_sample.X[:1000], progress=listener)
    assert reducer.stopped_reason_ == "interrupted" and reducer.n_epochs_ == 0
    assert np.isfinite(reducer.transform(mnist_sample.X[:5])).all()
