"""t-SNE you watch converge: the map at checkpoints of its iterations with the KL divergence at each;
its last checkpoint is the map project() draws; the copies' memory and the rows are in the budget;
the animation's title follows its slider; the default demo's checkpoints ship with it."""

import numpy as np
import pytest

from aecore.budget import Budget
from aecore.figures.animation import tsne_animation
from aecore.maps import tsne_steps
from aecore.maps.projection import project
from aecore.maps.tsne_steps import TSNECheckpoints, checkpoint_iterations, tsne_checkpoints


@pytest.fixture(scope="module")
def few_digits(digits):
    return digits.X[:300], digits.y[:300]


@pytest.fixture(scope="module")
def watched(few_digits):
    return tsne_checkpoints(few_digits[0], n_checkpoints=6)


def test_the_checkpoints_end_on_the_map_project_draws_and_the_kl_falls(watched, few_digits):
    X, y = few_digits
    assert watched.points.shape == (6, 300, 2) and watched.points.dtype == np.float32
    assert watched.iterations.tolist() == [120, 250, 380, 500, 620, 750] and watched.n_iter == 750
    assert watched.exaggerated.tolist() == [True, True, False, False, False, False] and watched.complete
    np.testing.assert_array_equal(watched.points[-1], project(X, "tsne"))
    # Leaving early exaggeration the map unfolds: the KL divergence ends well below where it started.
    assert watched.kl_divergence[-1] < 0.7 * watched.kl_divergence[0]
    # The map grows from openTSNE's tiny start to its final size.
    spread = watched.points.std(axis=(1, 2))
    assert spread[-1] > 2 * spread[0]


def test_a_progress_hook_hears_every_ten_iterations_and_can_stop_the_run(few_digits):
    heard = []

    def progress(done, total, kl):
        heard.append((done, total))
        return done >= 250

    stopped = tsne_checkpoints(few_digits[0], n_checkpoints=3, progress=progress)
    assert heard[0] == (10, 750) and heard[-1] == (250, 750) and len(heard) == 25
    assert stopped.iterations.tolist() == [250] and not stopped.complete


def test_a_hook_that_raises_stops_the_run_with_its_exception(few_digits):
    def progress(done, total, kl):
        raise KeyboardInterrupt  # what Streamlit's Stop raises inside the progress bar's update

    with pytest.raises(KeyboardInterrupt):
        tsne_checkpoints(few_digits[0], n_checkpoints=3, progress=progress)


@pytest.mark.parametrize("n", [0, 61, 2.5, True, "15"])
def test_a_number_of_checkpoints_out_of_bounds_is_refused_in_plain_words(n):
    with pytest.raises(ValueError, match=r"n_checkpoints=.* must be a whole number from 1 to 60, e\.g\. 15"):
        tsne_checkpoints(np.zeros((50, 3)), n_checkpoints=n)


def test_the_copies_memory_is_counted_against_the_budget_before_anything_runs():
    X = np.random.default_rng(0).normal(size=(1000, 4))
    with pytest.raises(ValueError, match=r"n_checkpoints=20 of 1,000 rows would hold 0\.16 MB; the limit is "
                                         r"0\.1 MB\. Keep at most 12 checkpoints"):
        tsne_checkpoints(X, n_checkpoints=20, budget=Budget(max_checkpoint_bytes=100_000))


def test_more_rows_than_the_budgets_t_sne_rows_are_refused():
    with pytest.raises(ValueError, match="over the budget of 100 rows"):
        tsne_checkpoints(np.zeros((101, 3)), budget=Budget(max_tsne_rows=100))


def test_checkpoints_are_kept_in_at_most_two_dimensions():
    with pytest.raises(ValueError, match="at most 2"):
        tsne_checkpoints(np.zeros((50, 3)), n_components=3)


def test_checkpoints_fall_on_the_callbacks_iterations_and_end_at_the_last():
    assert checkpoint_iterations(750, 15).tolist() == list(range(50, 751, 50))
    assert checkpoint_iterations(750, 1).tolist() == [750]
    steps = checkpoint_iterations(750, 60)
    assert steps[-1] == 750 and np.all(steps % 10 == 0) and np.all(np.diff(steps) > 0)


def test_checkpoints_round_trip_through_a_plain_npz_and_a_damaged_file_is_refused(watched, tmp_path):
    path = tmp_path / "steps.npz"
    watched.save(path)
    loaded = TSNECheckpoints.load(path, n_rows=300)
    np.testing.assert_array_equal(loaded.points, watched.points)
    np.testing.assert_array_equal(loaded.kl_divergence, watched.kl_divergence)
    with pytest.raises(ValueError, match="expected"):
        TSNECheckpoints.load(path, n_rows=299)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a t-SNE checkpoints file"):
        TSNECheckpoints.load(tmp_path / "bad.npz")


def test_the_animation_title_follows_its_slider_and_names_the_kl(watched, few_digits):
    fig = tsne_animation(watched, few_digits[1])
    steps = fig.layout.sliders[0].steps
    assert len(steps) == len(fig.frames) == 6
    for step, frame, kl, early in zip(steps, fig.frames, watched.kl_divergence, watched.exaggerated):
        assert list(step.args[0]) == [frame.name] and step.args[1]["frame"]["redraw"] is True
        assert frame.layout.title.text.startswith(f"iteration {step.label}: KL divergence {kl:.3f}")
        assert frame.layout.title.text.endswith("(early exaggeration)") == bool(early)
        # Each frame has its own ranges: the map's first checkpoints are far smaller than its last.
        low, high = frame.layout.xaxis.range
        assert low < frame.data[0].x.min() and high > frame.data[0].x.max()
    assert fig.layout.title.text == fig.frames[-1].layout.title.text


def test_the_default_demo_ships_its_checkpoints():
    from aecore.runs import demo

    shipped = demo.shipped_tsne_checkpoints(demo.TSNE_DEMO, 5000)
    assert shipped is not None and shipped.complete and shipped.n_frames == tsne_steps.DEFAULT_CHECKPOINTS
    assert shipped.points.shape == (tsne_steps.DEFAULT_CHECKPOINTS, 5000, 2)
    assert shipped.kl_divergence[-1] < 0.5 * shipped.kl_divergence[0]
    assert demo.shipped_tsne_checkpoints(demo.TSNE_DEMO, 4999) is None  # not that data's rows
