"""The autoencoder family of issue #4: tied, greedy, denoising, sparse, VAE, winner-take-all, GAN,
and unsupervised pretraining."""

import dataclasses
import inspect
import pickle
import threading

import numpy as np
import pytest

from aecore import AutoencoderReducer
from aecore.models import builders as models
from aecore.models.noise import corrupt
from aecore.params import KINDS

#: Post 001's family: every kind the schema declares beyond the first three (posts 000 and 002's).
NEW_KINDS = [kind for kind in KINDS if kind not in ("linear", "dense", "conv")]


@pytest.fixture(scope="module")
def small_digits(digits):
    return digits.X[:300]


@pytest.fixture()
def quick(tiny):
    """The tiny settings without XLA, whose compilation costs more than these fits."""
    return {**tiny, "jit_compile": False}


# --------------------------------------------------------------------------- every kind


@pytest.mark.slow
@pytest.mark.parametrize("kind", NEW_KINDS)
def test_kind_fits_transforms_and_round_trips(kind, small_digits, quick):
    reducer = AutoencoderReducer(3, kind=kind, **quick).fit(small_digits)
    codes = reducer.transform(small_digits)
    assert codes.shape == (300, 3) and np.isfinite(codes).all()
    assert reducer.inverse_transform(codes).shape == (300, 64)
    assert reducer.reconstruct(small_digits[:7]).shape == (7, 64)
    assert reducer.reconstruction_error(small_digits[:7]).shape == (7,)
    assert reducer.architecture_.kind == kind and reducer.output_activation_ == "sigmoid"
    assert all(len(values) == reducer.n_epochs_ == 2 for values in reducer.history_.values())
    # Training-time randomness (noise, sampling, winner-take-all) is off at inference.
    np.testing.assert_array_equal(codes, reducer.transform(small_digits))


@pytest.mark.parametrize("kind", NEW_KINDS)
def test_build_contract(kind):
    arch = models.Architecture(kind=kind, n_features=64, n_components=4, hidden_units=(16,))
    autoencoder, encoder, decoder = models.build(arch)
    x = np.random.default_rng(0).random((5, 64)).astype(np.float32)
    assert np.asarray(encoder(x)).shape == (5, 4)
    assert np.asarray(decoder(np.zeros((5, 4), np.float32))).shape == (5, 64)
    assert np.asarray(autoencoder(x)).shape == (5, 64)
    assert models.Architecture(**dataclasses.asdict(arch)) == arch


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["tied", "vae"])
def test_pickle_rebuilds_the_models_in_code(kind, small_digits, quick):
    reducer = AutoencoderReducer(2, kind=kind, **quick).fit(small_digits)
    state = reducer.__getstate__()
    assert "autoencoder_" not in state and "_weights" in state
    copy = pickle.loads(pickle.dumps(reducer))
    np.testing.assert_allclose(copy.transform(small_digits[:5]), reducer.transform(small_digits[:5]),
                               rtol=1e-6)
    np.testing.assert_allclose(copy.reconstruct(small_digits[:5]), reducer.reconstruct(small_digits[:5]),
                               rtol=1e-6)
    assert hasattr(reducer, "autoencoder_")  # pickling left the original intact


# --------------------------------------------------------------------------- tied


def test_tied_has_about_half_the_parameters():
    shape = dict(n_features=784, n_components=32, hidden_units=(512, 256))
    _, tied = models.describe(models.Architecture(kind="tied", **shape))
    _, untied = models.describe(models.Architecture(kind="dense", **shape))
    assert 0.45 < tied / untied < 0.55


@pytest.mark.slow
def test_tied_decoder_reuses_the_encoder_kernels(small_digits, quick):
    reducer = AutoencoderReducer(3, kind="tied", **quick).fit(small_digits)
    layer = reducer.decoder_.get_layer("reconstruction")
    assert isinstance(layer, models.DenseTranspose)
    assert layer.tied_to is reducer.encoder_.get_layer("enc_0")
    assert [w.shape for w in layer.weights] == [(64,)]  # its own bias only
    with pytest.raises(ValueError, match="rebuilt from a config"):
        models.DenseTranspose.from_config(layer.get_config())


# --------------------------------------------------------------------------- greedy


@pytest.mark.slow
def test_greedy_trains_one_stage_per_layer_then_fine_tunes(small_digits, quick):
    heard = []
    reducer = AutoencoderReducer(3, kind="dense", greedy=True, greedy_finetune_epochs=1,
                                 **quick).fit(small_digits, progress=lambda e, logs: heard.append((e, logs)))
    assert reducer.resolved_params()["total_epochs"] == 5 == reducer.n_epochs_
    assert reducer.history_["stage"] == [1, 1, 2, 2, 3]
    assert all(len(values) == 5 for values in reducer.history_.values())
    assert [e for e, _ in heard] == [1, 2, 3, 4, 5]
    assert [logs["stage"] for _, logs in heard] == [1, 1, 2, 2, 3]
    assert heard[0][1]["n_stages"] == 3
    assert np.isfinite(reducer.transform(small_digits)).all()
    assert reducer.stopped_reason_ == "completed"


@pytest.mark.slow
def test_greedy_stacks_the_stage_weights(small_digits, quick):
    reducer = AutoencoderReducer(3, kind="tied", greedy=True,
                                 **{**quick, "hidden_units": (16, 8), "epochs": 3}).fit(small_digits)
    # val_loss measures the whole stack so far on the rows, whichever stage is training.
    val_loss, stage = reducer.history_["val_loss"], reducer.history_["stage"]
    first = [value for value, s in zip(val_loss, stage) if s == 1]
    assert first[-1] < first[0]
    assert len(reducer.history_["stage"]) == reducer.n_epochs_ and max(reducer.history_["stage"]) == 3
    # The stacked model is the stages' weights: it reconstructs about as well as the last stage did.
    assert -reducer.score(small_digits) < 1.5 * min(val_loss[-3:])


@pytest.mark.slow
def test_greedy_interrupted_keeps_a_usable_model(small_digits, quick):
    class Rerun(BaseException):
        """Stands in for Streamlit's RerunException."""

    def progress(epoch, logs):
        if epoch == 3:
            raise Rerun()

    reducer = AutoencoderReducer(3, kind="dense", greedy=True, **{**quick, "epochs": 2})
    with pytest.raises(Rerun):
        reducer.fit(small_digits, progress=progress)
    assert reducer.stopped_reason_ == "interrupted" and reducer.n_epochs_ == 3
    assert all(len(values) == 3 for values in reducer.history_.values())
    assert np.isfinite(reducer.transform(small_digits)).all()


@pytest.mark.slow
def test_greedy_stop_event(small_digits, quick):
    stop = threading.Event()
    reducer = AutoencoderReducer(3, kind="dense", greedy=True, greedy_finetune_epochs=3,
                                 **{**quick, "epochs": 5})
    reducer.fit(small_digits, progress=lambda e, logs: stop.set(), stop_event=stop)
    assert reducer.n_epochs_ == 1 and reducer.stopped_reason_ == "stopped"
    assert np.isfinite(reducer.transform(small_digits)).all()


# --------------------------------------------------------------------------- denoising


@pytest.mark.slow
def test_denoising_output_is_closer_to_the_clean_images_than_the_noisy_input(digits):
    """The point of a denoising autoencoder, on held-out digits."""
    X_train, X_test = digits.X[:1400], digits.X[1400:]
    reducer = AutoencoderReducer(16, kind="denoising", noise="gaussian", noise_level=0.3,
                                 hidden_units=(128,), epochs=30, random_state=0).fit(X_train)
    noisy = corrupt(X_test, "gaussian", 0.3, random_state=0)
    noisy_error = np.mean((noisy - X_test) ** 2)
    denoised_error = np.mean((reducer.reconstruct(noisy) - X_test) ** 2)
    assert denoised_error < 0.75 * noisy_error


def test_corrupt():
    X = np.random.default_rng(0).random((200, 50)).astype(np.float32)
    noisy = corrupt(X, "gaussian", 0.3, random_state=1)
    assert noisy.shape == X.shape and noisy.dtype == np.float32
    assert noisy.min() >= 0 and noisy.max() <= 1  # pixels stay pixels
    np.testing.assert_array_equal(noisy, corrupt(X, "gaussian", 0.3, random_state=1))
    masked = corrupt(X, "dropout", 0.3, random_state=1)
    assert 0.25 < np.mean(masked == 0) < 0.35 and np.all((masked == 0) | (masked == X))
    unbounded = corrupt(X * 10 - 5, "gaussian", 2.0, random_state=0)
    assert unbounded.min() < -5 or unbounded.max() > 5  # no clipping outside [0, 1] data
    np.testing.assert_array_equal(corrupt(X, "gaussian", 0.0), X)
    with pytest.raises(ValueError, match="noise='salt'"):
        corrupt(X, "salt")
    with pytest.raises(ValueError, match="level=1.0"):
        corrupt(X, "dropout", 1.0)


def test_corruption_layer_is_active_only_while_training():
    layer = models.Corruption("dropout", 0.5, seed=0)
    x = np.ones((4, 100), np.float32)
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    trained = np.asarray(layer(x, training=True))
    assert 0.3 < np.mean(trained == 0) < 0.7 and set(np.unique(trained)) <= {0.0, 1.0}


# --------------------------------------------------------------------------- sparse


@pytest.mark.slow
def test_sparse_kl_codes_approach_the_target_activation(digits):
    reducer = AutoencoderReducer(16, kind="sparse", sparsity="kl", sparsity_target=0.1,
                                 hidden_units=(64,), epochs=30, random_state=0, jit_compile=False)
    stats = reducer.fit(digits.X).activation_stats(digits.X)
    assert reducer.architecture_.code_activation == "sigmoid"
    assert stats["mean_activation"].shape == (16,) and stats["fraction_active_per_unit"].shape == (16,)
    assert 0.0 <= stats["fraction_active"] <= 1.0
    assert stats["mean_activation"].mean() < 0.25  # an unpenalised sigmoid code sits near 0.5


def test_sparse_l1_and_penalty_values():
    layer = models.SparsityPenalty("l1", weight=1.0)
    codes = np.array([[0.5, -0.5], [1.0, 0.0]], np.float32)
    assert float(layer.penalty(codes)) == pytest.approx(1.0)
    kl = models.SparsityPenalty("kl", weight=1.0, target=0.1)
    assert float(kl.penalty(np.full((4, 3), 0.1, np.float32))) == pytest.approx(0.0, abs=1e-6)
    assert float(kl.penalty(np.full((4, 3), 0.5, np.float32))) > 0.5


# --------------------------------------------------------------------------- VAE


def test_vae_tracks_both_loss_terms_and_generates(small_digits, quick):
    reducer = AutoencoderReducer(2, kind="vae", **{**quick, "epochs": 3}).fit(small_digits)
    history = reducer.history_
    for key in ("loss", "reconstruction_loss", "kl_loss", "val_loss", "val_reconstruction_loss",
                "val_kl_loss"):
        assert len(history[key]) == 3 and np.isfinite(history[key]).all(), key
    np.testing.assert_allclose(history["loss"], np.add(history["reconstruction_loss"], history["kl_loss"]),
                               rtol=1e-4)
    samples = reducer.sample(5, random_state=0)
    assert samples.shape == (5, 64) and samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_array_equal(samples, reducer.sample(5, random_state=0))
    grid = reducer.manifold_grid(n=4, span=1.5)
    assert grid.shape == (16, 64)


@pytest.mark.slow
def test_manifold_grid_varies_the_first_two_of_more_dimensions(small_digits, quick):
    reducer = AutoencoderReducer(3, kind="vae", **quick).fit(small_digits)
    assert reducer.manifold_grid(n=3).shape == (9, 64)
    one = AutoencoderReducer(1, kind="vae", **quick).fit(small_digits)
    with pytest.raises(ValueError, match="n_components=1"):
        one.manifold_grid()


@pytest.mark.slow
def test_sample_needs_a_vae(small_digits, quick):
    reducer = AutoencoderReducer(2, **quick).fit(small_digits)
    with pytest.raises(ValueError, match="kind='vae'"):
        reducer.sample(3)
    with pytest.raises(ValueError, match="kind='vae'"):
        reducer.manifold_grid()


# --------------------------------------------------------------------------- winner-take-all


def test_winner_take_all_keeps_the_top_share_per_unit_while_training():
    layer = models.WinnerTakeAll(rate=0.25)
    x = np.random.default_rng(0).random((8, 3)).astype(np.float32)
    kept = np.asarray(layer(x, training=True))
    assert ((kept != 0).sum(axis=0) == 2).all()  # 25% of 8 rows, per unit
    np.testing.assert_array_equal(kept.max(axis=0), x.max(axis=0))
    np.testing.assert_array_equal(np.asarray(layer(x)), x)  # the identity at inference


@pytest.mark.slow
def test_wta_codes_are_relu(small_digits, quick):
    reducer = AutoencoderReducer(4, kind="wta", **quick).fit(small_digits)
    assert reducer.architecture_.code_activation == "relu"
    assert reducer.transform(small_digits).min() >= 0


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize("params,message", [
    (dict(noise="salt"), "noise='salt'"),
    (dict(noise_level=-0.1), "noise_level=-0.1"),
    (dict(noise="dropout", noise_level=1.0), "noise_level=1.0"),
    (dict(sparsity="l2"), "sparsity='l2'"),
    (dict(sparsity_weight=-1.0), "sparsity_weight=-1.0"),
    (dict(sparsity_target=1.0), "sparsity_target=1.0"),
    (dict(kl_weight=-1.0), "kl_weight=-1.0"),
    (dict(wta_rate=0.0), "wta_rate=0.0"),
    (dict(greedy=True, kind="vae"), "greedy=True"),
    (dict(greedy=True, batch_norm=True), "batch_norm=True"),
    (dict(greedy_finetune_epochs=-1), "greedy_finetune_epochs=-1"),
])
def test_invalid_family_parameters(params, message, small_digits):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        AutoencoderReducer(**{"n_components": 2, **params}).fit(small_digits)


def test_train_config_mirrors_the_reducer_parameters():
    from aecore.presets import TrainConfig

    reducer_params = inspect.signature(AutoencoderReducer.__init__).parameters
    fields = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    # The budget, the image shape and how a fit reports (verbose, callbacks) belong to the machine,
    # the data and the caller, not to the model.
    assert set(fields) == set(reducer_params) - {"self", "image_shape", "budget", "verbose", "callbacks"}
    for name, default in fields.items():
        assert default == reducer_params[name].default, name


@pytest.mark.parametrize("name", ["tied", "greedy", "denoising", "sparse", "vae_2d", "wta"])
def test_family_presets(name):
    from aecore.presets import PRESETS, preset

    description, config = PRESETS[name]
    assert description and "\n" not in description
    reducer = preset(name).to_reducer(image_shape=(28, 28))
    assert reducer.kind == config.kind and reducer.get_params()["greedy"] == config.greedy


# --------------------------------------------------------------------------- GAN


@pytest.mark.slow
def test_gan_runs_and_both_losses_are_finite(small_digits):
    from aecore.experiments.gan import train_gan

    heard = []
    result = train_gan(small_digits, latent_dim=8, epochs=2, batch_size=64, random_state=0,
                       progress=lambda e, logs: heard.append(e), samples_per_epoch=4,
                       jit_compile=False)
    assert len(result.history["d_loss"]) == len(result.history["g_loss"]) == 2
    assert np.isfinite(result.history["d_loss"]).all() and np.isfinite(result.history["g_loss"]).all()
    assert heard == [1, 2] and len(result.samples) == 2
    assert result.samples[0].shape == (4, 64)
    assert 0 <= result.samples[-1].min() <= result.samples[-1].max() <= 1
    assert result.generate(3, random_state=0).shape == (3, 64)


def test_gan_rejects_bad_input():
    from aecore.experiments.gan import train_gan

    with pytest.raises(ValueError, match="2D"):
        train_gan(np.zeros(10))
    with pytest.raises(ValueError, match="epochs=0"):
        train_gan(np.zeros((10, 4)), epochs=0)


# --------------------------------------------------------------------------- pretraining


def test_labelled_subset_is_stratified():
    from aecore.experiments.pretraining import labelled_subset

    y = np.repeat(np.arange(10), 30)
    index = labelled_subset(y, 50, random_state=0)
    assert len(index) == 50 and (np.bincount(y[index]) == 5).all()
    assert len(labelled_subset(y, 1000)) == 300


@pytest.mark.slow
def test_few_label_curve_never_touches_the_reducer(digits, quick):
    from aecore.experiments.pretraining import few_label_curve

    X, y = digits.X, digits.y
    reducer = AutoencoderReducer(8, **{**quick, "hidden_units": (32,)}).fit(X[:1000])
    before = [w.copy() for w in reducer.autoencoder_.get_weights()]
    rows = few_label_curve(reducer, X[:1000], y[:1000], X[1000:], y[1000:], label_counts=(20, 50),
                           steps=20, jit_compile=False)
    assert [(r["n_labels"], r["mode"]) for r in rows] == [
        (n, m) for n in (20, 50) for m in ("scratch", "frozen", "finetune")]
    assert all(0.0 <= r["accuracy"] <= 1.0 and r["seconds"] > 0 for r in rows)
    for old, new in zip(before, reducer.autoencoder_.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert reducer.encoder_.trainable


@pytest.mark.slow
def test_few_label_curve_rejects_bad_input(digits, quick):
    from aecore.experiments.pretraining import few_label_curve

    reducer = AutoencoderReducer(2, **quick).fit(digits.X[:200])
    with pytest.raises(ValueError, match="features"):
        few_label_curve(reducer, np.zeros((10, 3)), np.zeros(10), np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="modes"):
        few_label_curve(reducer, digits.X[:50], digits.y[:50], digits.X[50:60], digits.y[50:60],
                        modes=("magic",))


# --------------------------------------------------------------------------- the family page's computations


def test_activation_profile_counts_active_units():
    from aecore.experiments.family import activation_profile

    codes = np.array([[0.0, 0.5, 0.05, 1.0], [0.2, 0.0, 0.0, 0.9], [0.0, 0.0, 0.0, 0.3]])
    profile = activation_profile(codes, threshold=0.1)
    np.testing.assert_allclose(profile["per_sample"], [0.5, 0.5, 0.25])
    np.testing.assert_allclose(profile["per_unit"], [1 / 3, 1 / 3, 0.0, 1.0])
    np.testing.assert_allclose(profile["mean_activation"], codes.mean(axis=0))
    assert profile["fraction_active"] == pytest.approx(5 / 12) == pytest.approx(profile["per_sample"].mean())
    assert profile["dead_units"] == 1 and profile["threshold"] == 0.1
    assert activation_profile(codes, threshold=2.0)["fraction_active"] == 0.0
    for bad in (np.zeros(4), np.zeros((0, 3)), np.array([[np.nan, 1.0]])):
        with pytest.raises(ValueError, match="codes"):
            activation_profile(bad)


def test_winner_take_all_matches_the_training_layer():
    from aecore.experiments.family import winner_take_all

    x = np.random.default_rng(0).random((40, 5)).astype(np.float32)
    for rate in (0.05, 0.25, 1.0):
        expected = np.asarray(models.WinnerTakeAll(rate=rate)(x, training=True))
        np.testing.assert_allclose(winner_take_all(x, rate, batch_size=40), expected)
    kept = winner_take_all(x, 0.1, batch_size=16)  # batches of 16, 16 and 8 rows: 2, 2 and 1 winners
    assert ((kept[:16] != 0).sum(axis=0) == 2).all() and ((kept[32:] != 0).sum(axis=0) == 1).all()
    with pytest.raises(ValueError, match="rate=0"):
        winner_take_all(x, 0.0)


def test_usable_label_counts():
    from aecore.experiments.family import usable_label_counts

    assert usable_label_counts([1000, 50, 5, 50, 5000], n_train=1437, n_classes=10) == ([50, 1000], [5000], [5])
    assert usable_label_counts([], 100, 10) == ([], [], [])


def test_parameter_split_tied_halves_the_weights():
    from aecore.experiments.family import parameter_split

    dense = parameter_split("dense", 784, 10, (512, 256))
    tied = parameter_split("tied", 784, 10, (512, 256))
    assert dense["encoder"] == tied["encoder"] == 784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10
    assert tied["decoder"] == 256 + 512 + 784  # biases only
    assert dense["total"] == dense["encoder"] + dense["decoder"] and tied["total"] == tied["encoder"] + tied["decoder"]
    assert 0.5 < tied["total"] / dense["total"] < 0.51


@pytest.mark.slow
def test_compare_greedy_gives_both_the_same_budget(small_digits):
    from aecore.experiments.family import compare_greedy

    heard = []
    result = compare_greedy(small_digits[:200], small_digits[200:], n_components=3, hidden_units=(16,),
                            epochs_per_stage=1, finetune_epochs=1, jit_compile=False,
                            progress=lambda *args: heard.append(args))
    assert result["budget"] == 3 and result["n_stages"] == 2
    assert result["greedy"]["epochs"] == result["end_to_end"]["epochs"] == 3
    assert result["greedy"]["stage"] == [1, 2, 3] and len(result["end_to_end"]["val_loss"]) == 3
    assert [args[1] for args in heard] == [1, 2, 3, 4, 5, 6] and {args[2] for args in heard} == {6}
    assert [args[0] for args in heard] == ["greedy"] * 3 + ["end_to_end"] * 3
    assert result["greedy"]["test_mse"] > 0 and result["pca_test_mse"] > 0
    with pytest.raises(ValueError, match="hidden layer"):
        compare_greedy(small_digits, small_digits, hidden_units=())


@pytest.mark.slow
def test_compare_sparsity_and_gan_progression(small_digits):
    from aecore.experiments.family import compare_sparsity, gan_progression

    result = compare_sparsity(small_digits[:200], small_digits[200:], n_components=4, hidden_units=(16,),
                              epochs=1, jit_compile=False)
    assert set(result["models"]) == {"plain", "sparse", "wta"}
    assert {m["code_activation"] for m in result["models"].values()} == {"sigmoid", "relu"}
    assert all(m["codes"].shape == (100, 4) for m in result["models"].values())
    gan = gan_progression(small_digits, epochs=2, latent_dim=4, n_samples=6, jit_compile=False)
    assert gan["samples"].shape == (2, 6, 64) and len(gan["d_loss"]) == len(gan["g_loss"]) == gan["epochs"] == 2


def test_pretraining_curve_rejects_bad_label_counts(digits):
    from aecore.experiments.family import pretraining_curve

    X, y = digits.X[:300], digits.y[:300]
    for counts, message in (((5,), "cover the 10 classes"), ((500,), "Only 200 training samples"),
                            ((), "at least one")):
        with pytest.raises(ValueError, match=message):
            pretraining_curve(X[:200], y[:200], X[200:], y[200:], label_counts=counts)
    with pytest.raises(ValueError, match="needs labels"):
        pretraining_curve(X[:200], None, X[200:], None)


def test_family_figures():
    from aecore.figures import family as figures_family

    bars = figures_family.parameter_bars({"dense": {"encoder": 10, "decoder": 10}, "tied": {"encoder": 10, "decoder": 1}})
    assert [trace.type for trace in bars.data] == ["bar", "bar", "scatter"]
    curves = figures_family.loss_comparison({"greedy": [0.3, 0.2, 0.1], "e2e": [0.2, 0.1, 0.05]}, stages=[1, 2, 2])
    assert len(curves.layout.shapes) == 1 and curves.layout.yaxis.type == "log"
    activations = figures_family.activation_bars({"a": np.array([0.1, 0.5]), "b": np.array([2.0, 0.0])},
                                          targets={"a": 0.1})
    assert list(activations.data[0].y) == [0.5, 0.1] and len(activations.layout.shapes) == 1
    assert len(figures_family.active_fraction_histogram({"a": np.array([0.1, 0.2])}).data) == 1
    assert len(figures_family.gan_losses([0.7, 0.6], [1.0, 1.2]).data) == 2
    rows = [{"n_labels": n, "mode": m, "accuracy": 0.5} for n in (10, 100) for m in ("frozen", "scratch")]
    accuracy = figures_family.accuracy_vs_labels(rows)
    assert accuracy.layout.xaxis.type == "log" and len(accuracy.data) == 2


@pytest.mark.slow
def test_gan_batch_norm_and_dropout_options(small_digits):
    from aecore.experiments.gan import build_gan, train_gan

    generator, discriminator = build_gan(64, latent_dim=4, hidden_units=(8, 16), batch_norm=True, dropout=0.3)
    assert [layer.name for layer in generator.layers if "bn" in layer.name] == ["gen_0_bn", "gen_1_bn"]
    assert [layer.name for layer in discriminator.layers if "dropout" in layer.name] == [
        "disc_0_dropout", "disc_1_dropout"]
    plain, _ = build_gan(64, latent_dim=4, hidden_units=(8,))
    assert not any("bn" in layer.name for layer in plain.layers)  # the default network is unchanged
    result = train_gan(small_digits, latent_dim=4, epochs=1, batch_size=64, random_state=0, samples_per_epoch=3,
                       batch_norm=True, dropout=0.3, jit_compile=False)
    assert result.samples[0].shape == (3, 64) and np.isfinite(result.history["g_loss"]).all()
    with pytest.raises(ValueError, match="dropout=1.0"):
        train_gan(small_digits, dropout=1.0)


# --------------------------------------------------------------------------- the Family page's helpers


def test_the_family_pages_hidden_units_read_commas_and_refuse_bad_text():
    from aecore.params import FAMILY_HIDDEN_UNITS, parse_text

    assert parse_text(FAMILY_HIDDEN_UNITS, " 512, 256 ") == (512, 256)
    for text in ("lots", "", "0", "1,2,3,4,5", "4096"):
        with pytest.raises(ValueError, match="hidden_units="):
            parse_text(FAMILY_HIDDEN_UNITS, text)


def test_greedy_budget_counts_one_stage_per_layer_plus_the_code():
    from aecore.experiments.family import greedy_budget

    assert greedy_budget(2, 5, 2) == (3, 17)
    assert greedy_budget(1, 3) == (2, 6)


def test_sparsity_profiles_cover_every_model_and_the_wta_rule():
    from aecore.experiments.family import sparsity_profiles

    rng = np.random.default_rng(0)
    codes = {name: {"codes": rng.uniform(size=(20, 4))} for name in ("plain", "sparse", "wta")}
    profiles = sparsity_profiles({"models": codes, "wta_rate": 0.1, "batch_size": 10}, threshold=0.5)
    assert list(profiles) == ["plain", "sparse", "wta", "wta_rule"]
    # The winner-take-all rule keeps one value per unit in each batch of 10: at most 10% active.
    assert profiles["wta_rule"]["fraction_active"] <= 0.1 < profiles["wta"]["fraction_active"]
