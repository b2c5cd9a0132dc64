"""Seed 001's sparse and denoising options: each one trains (tiny, seeded), and each is reachable
from the command line, a link and the Train page's form; early stopping off keeps the last weights."""

import numpy as np
import pytest

from aecore import AutoencoderReducer, cli, params
from aecore.noise import corrupt
from aecore.presets import TrainConfig

#: A fit that only has to run: 300 digits, one small hidden layer, two epochs.
TINY = dict(hidden_units=(32,), epochs=2, batch_size=64, random_state=0)


@pytest.fixture(scope="module")
def X():
    from aecore.data import load_digits_8x8

    return load_digits_8x8().X[:300]


def _layer(reducer, name):
    """A layer of the fitted autoencoder, found inside its encoder or decoder."""
    return next(layer for model in (reducer.encoder_, reducer.decoder_) for layer in model.layers
                if layer.name == name)


@pytest.mark.parametrize("sparsity", ["kl", "l1"])
def test_a_sparse_model_trains_with_each_penalty(X, sparsity):
    reducer = AutoencoderReducer(4, kind="sparse", sparsity=sparsity, **TINY).fit(X)
    assert reducer.n_epochs_ == 2 and np.all(np.isfinite(reducer.history_["loss"]))
    codes = reducer.transform(X)
    assert codes.shape == (300, 4) and np.all((codes >= 0) & (codes <= 1))  # sigmoid codes
    # The penalty the model trains with is the one asked for, at its default weight.
    assert reducer.architecture_.sparsity == sparsity
    assert reducer.architecture_.sparsity_weight == params.SPARSITY_WEIGHTS[sparsity]


def test_an_l1_penalty_makes_the_codes_smaller(X):
    settings = dict(TINY, epochs=15, hidden_units=(32,))
    penalised = AutoencoderReducer(8, kind="sparse", sparsity="l1", sparsity_weight=0.05, **settings).fit(X)
    free = AutoencoderReducer(8, kind="sparse", sparsity="l1", sparsity_weight=0.0, **settings).fit(X)
    assert np.all(np.isfinite(penalised.history_["loss"]))
    assert np.abs(penalised.transform(X)).mean() < 0.8 * np.abs(free.transform(X)).mean()


def test_a_kl_penalty_pulls_the_mean_activation_towards_its_target(X):
    settings = dict(TINY, epochs=15)
    pulled = AutoencoderReducer(8, kind="sparse", sparsity="kl", sparsity_weight=0.5, sparsity_target=0.05,
                                **settings).fit(X)
    free = AutoencoderReducer(8, kind="sparse", sparsity="kl", sparsity_weight=0.0, **settings).fit(X)
    assert abs(pulled.transform(X).mean() - 0.05) < abs(free.transform(X).mean() - 0.05)


@pytest.mark.parametrize("noise, level", [("gaussian", 0.3), ("dropout", 0.2)])
def test_a_denoising_model_trains_with_each_noise(X, noise, level):
    reducer = AutoencoderReducer(4, kind="denoising", noise=noise, noise_level=level, **TINY).fit(X)
    assert reducer.n_epochs_ == 2 and np.all(np.isfinite(reducer.history_["loss"]))
    corruption = _layer(reducer, "corruption")
    assert (corruption.noise, corruption.level) == (noise, level)
    # The noise acts while training only: inference reconstructs the clean rows deterministically.
    x = X[:50]
    np.testing.assert_array_equal(np.asarray(corruption(x, training=False)), x)
    noisy = np.asarray(corruption(x, training=True))
    if noise == "dropout":
        nonzero = x != 0
        zeroed = np.mean(noisy[nonzero] == 0)
        assert zeroed == pytest.approx(level, abs=0.05)
    else:
        assert np.std(noisy - x) == pytest.approx(level, rel=0.3)  # clipped to [0, 1] at the edges


def test_corrupt_with_dropout_zeroes_about_the_noise_level(X):
    noisy = corrupt(X, "dropout", 0.2, random_state=0)
    nonzero = X != 0
    assert np.mean(noisy[nonzero] == 0) == pytest.approx(0.2, abs=0.02)
    np.testing.assert_array_equal(noisy[noisy != 0], X[noisy != 0])


def test_dropout_noise_must_stay_below_one(X):
    with pytest.raises(ValueError, match="noise_level=1.5"):
        AutoencoderReducer(4, kind="denoising", noise="dropout", noise_level=1.5, **TINY).fit(X)


# --------------------------------------------------------------------------- early stopping off


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
    from aecore.training import TrainingMonitor

    assert TrainingMonitor(patience=None).keep_best is False
    assert TrainingMonitor(patience=5).keep_best is True
    assert TrainingMonitor(patience=None, keep_best=True).keep_best is True


def test_the_early_stopping_help_says_what_off_does():
    assert "off: train all epochs and keep the last" in params.BY_NAME["early_stopping"].help


# --------------------------------------------------------------------------- reachable everywhere


NEW = {"noise": ("ntype", ("denoising",)), "noise_level": ("nlevel", ("denoising",)),
       "sparsity": ("sparsity", ("sparse",)), "sparsity_weight": ("sw", ("sparse",)),
       "sparsity_target": ("starget", ("sparse",))}


def test_the_five_settings_are_on_the_form_in_links_and_on_the_command_line():
    from app_ui import url

    urls = [s.url for s in params.SETTINGS if s.url]
    assert len(urls) == len(set(urls))
    for name, (link_name, kinds) in NEW.items():
        setting = params.BY_NAME[name]
        assert setting.form and setting.cli and setting.url == link_name and setting.kinds == kinds, name
        assert setting.label == f"train.{name}"
        assert url.MODEL_FIELDS[name].name == link_name
    # Settings for all kinds say so.
    assert params.BY_NAME["hidden_units"].kinds is None


def test_the_command_line_parses_the_new_options():
    args = cli.build_parser().parse_args(
        ["train", "--dataset", "digits", "--kind", "sparse", "--sparsity", "l1", "--sparsity-weight", "0.001",
         "--noise", "dropout", "--noise-level", "0.2", "--sparsity-target", "0.05"])
    config = cli.config_from_args(args)
    assert (config.kind, config.sparsity, config.sparsity_weight, config.noise, config.noise_level,
            config.sparsity_target) == ("sparse", "l1", 0.001, "dropout", 0.2, 0.05)
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["train", "--dataset", "digits", "--sparsity", "l2"])
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["train", "--dataset", "digits", "--sparsity-target", "1"])


def test_the_command_line_trains_a_sparse_l1_model(tmp_path, capsys):
    from aecore.runs import load_run

    out = tmp_path / "sparse-l1"
    assert cli.main(["train", "--dataset", "digits", "--kind", "sparse", "--sparsity", "l1",
                     "--sparsity-weight", "0.002", "--n-components", "4", "--hidden-units", "16",
                     "--epochs", "2", "--batch-size", "64", "--seed", "0", "--out", str(out)]) == 0
    assert "saved" in capsys.readouterr().out
    reducer, info = load_run(out)
    assert reducer.n_epochs_ == 2
    assert (reducer.sparsity, reducer.sparsity_weight) == ("l1", 0.002)
    assert _layer(reducer, "sparsity_penalty").sparsity == "l1"


def test_a_link_names_a_sparse_l1_model():
    from app_ui import url

    _, preset_name, config, problems = url.model_from_params(
        {"data": "digits", "kind": "sparse", "sparsity": "l1", "sw": "0.002"})
    assert problems == [] and preset_name == "recommended"
    assert config == url.form_config("recommended").replace(kind="sparse", sparsity="l1", sparsity_weight=0.002)
    # Written back, only the changed settings appear, and they read back the same.
    written = url.model_params("digits", "recommended", config)
    assert {k: written[k] for k in ("kind", "sparsity", "sw")} == {"kind": "sparse", "sparsity": "l1", "sw": "0.002"}
    assert not {"ntype", "nlevel", "starget"} & set(written)
    assert url.model_from_params(written)[2] == config


@pytest.mark.parametrize("config", [
    dict(kind="denoising", noise="dropout", noise_level=0.2),
    dict(kind="sparse", sparsity="kl", sparsity_target=0.05, sparsity_weight=0.5),
    dict(kind="sparse", sparsity="l1"),
])
def test_links_round_trip_the_new_settings(config):
    from app_ui import url

    for preset_name in ("recommended", "denoising", "sparse"):
        wanted = url.form_config(preset_name).replace(**config)
        _, name, parsed, problems = url.model_from_params(url.model_params("mnist_sample", preset_name, wanted))
        assert (name, parsed, problems) == (preset_name, wanted, [])


def test_a_weight_equal_to_the_penalty_default_is_the_default():
    from app_ui import url

    _, _, config, _ = url.model_from_params({"kind": "sparse", "sparsity": "l1", "sw": "0.001"})
    assert config.sparsity_weight is None
    assert url.widget_values("sparse", TrainConfig(kind="sparse", sparsity="l1"))["sparsity_weight"] == 0.001


def test_bad_values_in_a_link_are_dropped_with_a_reason():
    from app_ui import url

    _, _, config, problems = url.model_from_params({"kind": "denoising", "ntype": "salt", "nlevel": "99",
                                                   "starget": "nan"})
    assert config == url.form_config("recommended").replace(kind="denoising")
    assert len(problems) == 3


# --------------------------------------------------------------------------- the Train page


def _train_page():
    from tests.builders import open_page

    return open_page("app_pages/train.py", timeout=180)


def _keys(at):
    return {w.key for kind in ("number_input", "slider", "selectbox", "checkbox", "text_input")
            for w in getattr(at, kind) if w.key}


def test_the_train_form_shows_the_noise_settings_for_denoising_only():
    at = _train_page()
    noise_keys = {"train.ntype.recommended", "train.nlevel.recommended"}
    sparse_keys = {"train.sparsity.recommended", "train.sw.recommended", "train.starget.recommended"}
    assert not (noise_keys | sparse_keys) & _keys(at)  # the recommended preset is dense
    at.selectbox(key="train.kind.recommended").set_value("denoising").run()
    assert not at.exception, [e.value for e in at.exception]
    assert noise_keys <= _keys(at) and not sparse_keys & _keys(at)
    assert any("denoising" in c.value for c in at.caption)
    at.selectbox(key="train.ntype.recommended").set_value("dropout").run()
    at.number_input(key="train.nlevel.recommended").set_value(0.2).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["ntype"] == "dropout" and at.query_params["nlevel"] == "0.2"
    at.selectbox(key="train.kind.recommended").set_value("dense").run()
    assert not (noise_keys | sparse_keys) & _keys(at)
    assert "ntype" not in at.query_params  # hidden: the preset's values, so nothing to link


def test_the_sparsity_weight_follows_the_penalty_while_left_at_its_default():
    at = _train_page()
    at.selectbox(key="train.kind.recommended").set_value("sparse").run()
    for name in ("sparsity_weight", "sparsity_target"):
        setting = params.BY_NAME[name]
        widget = at.number_input(key=f"train.{setting.url}.recommended")
        assert (widget.min, widget.max) == (setting.low, setting.high), name
    assert at.number_input(key="train.starget.recommended").value == pytest.approx(0.1)
    assert at.number_input(key="train.sw.recommended").value == pytest.approx(0.01)
    assert "sw" not in at.query_params  # the default is None, not a number to link
    at.selectbox(key="train.sparsity.recommended").set_value("l1").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key="train.sw.recommended").value == pytest.approx(0.001)
    assert "sw" not in at.query_params and at.query_params["sparsity"] == "l1"
    at.number_input(key="train.sw.recommended").set_value(0.002).run()
    assert at.query_params["sw"] == "0.002"
