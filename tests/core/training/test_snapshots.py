"""Latent snapshots (aecore.training.snapshots): a fixed subset's 2-D view per epoch, kept by fit, saved with a
run, drawn as an animation (aecore.figures.animation)."""

import os
import threading

import numpy as np
import pytest

from aecore import AutoencoderReducer
from aecore.figures.animation import frame_positions, latent_animation, plane_animation
from aecore.runs.format import LATENT_HISTORY_FILE
from aecore.runs.saving import save_run
from aecore.runs.loading import load_run
from aecore.training.snapshots import (
    MAX_FRAMES,
    MAX_ROWS,
    LatentHistory,
    LatentSnapshots,
    decoder_planes,
    plane_angles,
    reduce_to_2d,
)

SEED = 0


@pytest.fixture(scope="module")
def X(digits):
    return digits.X[:1200]


def _fit(X, k, **changes):
    settings = dict(hidden_units=(16,), epochs=3, batch_size=128, random_state=SEED, early_stopping=False)
    return AutoencoderReducer(k, **{**settings, **changes}).fit(X)


@pytest.fixture(scope="module")
def fitted(X):
    return _fit(X, 5)


@pytest.mark.slow
def test_fit_keeps_one_frame_per_epoch_of_fixed_rows(fitted, X):
    history = fitted.latent_history_
    assert history.points.shape == (3, MAX_ROWS, 2) and history.points.dtype == np.float32
    assert history.epochs.tolist() == [1, 2, 3] and history.n_samples == len(X)
    assert len(np.unique(history.indices)) == MAX_ROWS and history.indices.max() < len(X)
    np.testing.assert_allclose(history.loss, fitted.history_["loss"])
    np.testing.assert_allclose(history.val_loss, fitted.history_["val_loss"])
    # The rows are chosen by the seed: the same fit picks the same rows.
    assert np.array_equal(_fit(X, 5, epochs=1).latent_history_.indices, history.indices)


def test_wide_codes_are_shown_through_one_pca_fitted_on_the_final_epoch(fitted, X):
    history = fitted.latent_history_
    assert history.method == "pca"
    final = fitted.transform(X[history.indices]).astype(np.float64)  # completed fit: last weights
    centred = final - final.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    # The last frame is the final codes on their own two leading principal axes (up to sign).
    expected = centred @ vt[:2].T
    for axis in range(2):
        np.testing.assert_allclose(np.abs(history.points[-1][:, axis]), np.abs(expected[:, axis]), atol=1e-3)
    assert history.points[-1][:, 0].var() >= history.points[-1][:, 1].var()  # PC1 first


@pytest.mark.slow
def test_two_dimensional_codes_are_shown_as_they_are(X):
    reducer = _fit(X, 2, epochs=2)
    history = reducer.latent_history_
    assert history.method == "codes" and history.points.shape == (2, MAX_ROWS, 2)
    np.testing.assert_allclose(history.points[-1], reducer.transform(X[history.indices]), atol=1e-5)


def test_one_dimensional_codes_are_drawn_against_zeros():
    points, method = reduce_to_2d(np.arange(12, dtype=float).reshape(2, 6, 1))
    assert method == "codes" and points.shape == (2, 6, 2) and not points[..., 1].any()


@pytest.mark.slow
def test_small_data_keeps_every_row(digits):
    history = _fit(digits.X[:50], 3, epochs=2).latent_history_
    assert history.n_rows == 50 and history.indices.tolist() == list(range(50))


def test_long_trainings_keep_every_nth_epoch_and_the_kept_model():
    snapshots = LatentSnapshots(np.arange(40, dtype=np.float32).reshape(10, 4), 3, total_epochs=1000, seed=SEED)
    assert snapshots.every == 1000 // MAX_FRAMES == 10
    snapshots.watch(lambda x, training: x[:, :3])
    hook = snapshots.listening(None)
    for epoch in range(1, 26):
        hook(epoch, {"loss": 1.0 / epoch})
    history = snapshots.finish(17, {"loss": [1.0 / e for e in range(1, 26)]})
    assert history.epochs.tolist() == [1, 10, 17, 20]
    np.testing.assert_allclose(history.loss, [1, 0.1, 1 / 17, 0.05])


@pytest.mark.slow
def test_early_stopping_snapshots_the_weights_it_keeps(X):
    reducer = _fit(X, 3, epochs=40, early_stopping=True, patience=1, learning_rate=0.05)
    history = reducer.latent_history_
    assert reducer.best_epoch_ in history.epochs.tolist()
    assert history.n_frames == reducer.n_epochs_


@pytest.mark.slow
def test_a_stopped_fit_keeps_the_epochs_it_ran(X):
    stop = threading.Event()

    def progress(epoch, logs):
        if epoch == 2:
            stop.set()

    reducer = AutoencoderReducer(3, hidden_units=(16,), epochs=10, batch_size=512, random_state=SEED)
    reducer.fit(X, progress=progress, stop_event=stop)
    assert reducer.stopped_reason_ == "stopped"
    assert reducer.latent_history_.epochs.tolist() == [1, 2]


@pytest.mark.slow
def test_greedy_training_keeps_no_history(X):
    reducer = _fit(X, 3, epochs=1, greedy=True, greedy_finetune_epochs=0)
    assert reducer.latent_history_ is None


def test_a_run_saves_and_reloads_its_history(tmp_path, fitted):
    save_run(tmp_path / "run", fitted, None, "digits")
    assert os.path.isfile(tmp_path / "run" / LATENT_HISTORY_FILE)
    loaded, _ = load_run(tmp_path / "run")
    history, original = loaded.latent_history_, fitted.latent_history_
    np.testing.assert_array_equal(history.points, original.points)
    np.testing.assert_array_equal(history.indices, original.indices)
    np.testing.assert_array_equal(history.epochs, original.epochs)
    assert (history.method, history.n_samples, history.n_components) == ("pca", 1200, 5)


def test_an_old_run_without_a_history_still_loads(tmp_path, fitted, X):
    save_run(tmp_path / "run", fitted, None, "digits")
    os.remove(tmp_path / "run" / LATENT_HISTORY_FILE)
    loaded, _ = load_run(tmp_path / "run")
    assert loaded.latent_history_ is None
    np.testing.assert_allclose(loaded.transform(X[:5]), fitted.transform(X[:5]), atol=1e-6)


def test_a_damaged_history_is_refused(tmp_path, fitted):
    save_run(tmp_path / "run", fitted, None, "digits")
    np.savez(tmp_path / "run" / LATENT_HISTORY_FILE, points=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="latent_history.npz.*missing"):
        load_run(tmp_path / "run")


def test_the_animation_has_one_frame_per_epoch_and_a_slider(fitted, digits):
    history = fitted.latent_history_
    labels = digits.y[:1200][history.indices]
    fig = latent_animation(history, labels)
    assert len(fig.frames) == 3
    assert [step.label for step in fig.layout.sliders[0].steps] == ["1", "2", "3"]
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["▶", "❚❚"]
    assert fig.layout.xaxis.autorange is False and fig.layout.xaxis.range is not None
    assert len(fig.data) == 1 + len(np.unique(labels))  # the points and one legend entry per label


def test_the_animation_refuses_labels_of_the_wrong_length(fitted):
    with pytest.raises(ValueError, match="labels has shape"):
        latent_animation(fitted.latent_history_, np.zeros(3))


def test_long_histories_show_at_most_max_frames():
    positions = frame_positions(500, 60)
    assert len(positions) == 60 and positions[0] == 0 and positions[-1] == 499


@pytest.mark.slow
def test_a_linear_autoencoder_keeps_its_plane_which_turns_towards_pcas():
    from aecore.data.datasets import generate_3d_data
    from aecore.metrics import pca_baseline

    X = generate_3d_data(200, noise=0.1, seed=SEED)
    reducer = AutoencoderReducer(2, kind="linear", optimizer="adam", learning_rate=0.05, epochs=60,
                                 early_stopping=False, random_state=SEED).fit(X)
    history = reducer.latent_history_
    assert history.decoder_kernels.shape == (60, 2, 3) and history.decoder_biases.shape == (60, 3)
    bases, centres = decoder_planes(history, X)
    reference = pca_baseline(X, 2).pca.components_.T
    angles = plane_angles(bases, reference)
    assert angles[-1] < angles[0] and angles[-1] < 5
    fig = plane_animation(X, bases, centres, angles, history.epochs, reference, X.mean(axis=0))
    assert len(fig.frames) == 60 and len(fig.layout.sliders[0].steps) == 60
    assert fig.frames[-1].traces == (2,)


def test_only_linear_histories_hold_planes(fitted, X):
    assert fitted.latent_history_.decoder_kernels is None
    with pytest.raises(ValueError, match="kind='linear'"):
        decoder_planes(fitted.latent_history_, X)


def test_history_save_and_load_round_trip_without_pickles(tmp_path):
    history = LatentHistory(points=np.ones((2, 4, 2), np.float32), epochs=np.array([1, 5]),
                            indices=np.array([0, 2, 3, 9]), n_samples=10, method="codes", n_components=2,
                            loss=np.array([0.5, 0.25]))
    history.save(tmp_path / "h.npz")
    again = LatentHistory.load(tmp_path / "h.npz", n_components=2)
    assert again.val_loss is None and again.epochs.tolist() == [1, 5] and again.method == "codes"
    with pytest.raises(ValueError, match="n_components=2 but the model has 3"):
        LatentHistory.load(tmp_path / "h.npz", n_components=3)


def test_a_history_that_would_unpack_into_too_many_bytes_is_refused_before_it_is_read(tmp_path):
    from aecore.training.snapshots import MAX_STORED_BYTES, LatentHistory

    path = tmp_path / "latent_history.npz"
    # 40 MB of zeros compress to about 40 kB: the file is small, its arrays are not.
    np.savez_compressed(path, points=np.zeros((5000, 1000, 2), dtype=np.float32))
    assert path.stat().st_size < MAX_STORED_BYTES // 100
    with pytest.raises(ValueError, match="MB"):
        LatentHistory.load(path)


def _steps_follow_frames(fig, epochs):
    """Each slider step shows its own frame, whose title names that step's epoch, redrawn (a
    frame's title is layout, which Plotly draws only on a redraw); the last frame is the last epoch."""
    steps = fig.layout.sliders[0].steps
    assert len(steps) == len(fig.frames)
    for step, frame in zip(steps, fig.frames):
        assert list(step.args[0]) == [frame.name]
        assert step.args[1]["frame"]["redraw"] is True
        assert frame.layout.title.text.startswith(f"epoch {step.label}:"), (step.label, frame.layout.title.text)
    assert fig.layout.updatemenus[0].buttons[0].args[1]["frame"]["redraw"] is True
    assert steps[-1].label == str(int(epochs[-1])) and fig.layout.sliders[0].active == len(steps) - 1
    assert fig.layout.title.text == fig.frames[-1].layout.title.text


def test_each_frame_of_a_long_animation_carries_the_title_of_its_slider_step():
    # 779 epochs trained, every 13th kept plus the last: more frames than are drawn.
    epochs = np.array([1, *range(13, 779, 13), 779])
    rng = np.random.default_rng(SEED)
    history = LatentHistory(points=rng.normal(size=(len(epochs), 30, 2)).astype(np.float32), epochs=epochs,
                            indices=np.arange(30), n_samples=30, method="codes", n_components=2,
                            loss=np.linspace(1, 0.01, len(epochs)))
    fig = latent_animation(history, np.arange(30) % 3)
    assert len(fig.frames) == 60
    _steps_follow_frames(fig, epochs)


def test_each_frame_of_the_plane_animation_carries_the_title_of_its_slider_step():
    from aecore.data.datasets import generate_3d_data

    X = generate_3d_data(50, noise=0.1, seed=SEED)
    n = 70
    bases = np.tile(np.eye(3)[:, :2], (n, 1, 1))
    fig = plane_animation(X, bases, np.zeros((n, 3)), np.linspace(40, 1, n), np.arange(1, n + 1),
                          np.eye(3)[:, :2], X.mean(axis=0))
    _steps_follow_frames(fig, np.arange(1, n + 1))
