"""Reconstructions page: a model from one of post 002's presets gets a caption with the three
presets' measured held-out MSE (bench/seed002.py); other presets do not."""

from tests.builders import open_page

PAGE = "aecore_app/app_pages/reconstructions.py"


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def _seed002_note(at) -> list[str]:
    return [c for c in _captions(at) if "bench.seed002" in c]


def test_a_seed002_model_shows_the_measured_comparison():
    # seed002_cnn_elu is a shipped demo run: the link opens it without training.
    at = open_page(PAGE, {"data": "mnist_sample", "preset": "seed002_cnn_elu"})
    assert any(m.label == "Autoencoder test MSE" for m in at.metric)
    note = _seed002_note(at)
    assert len(note) == 1
    assert all(name in note[0] for name in ("seed002_dense", "seed002_cnn", "seed002_cnn_elu"))
    assert "best" in note[0]
    at.radio(key="lang").set_value("ko").run()
    assert not at.exception, [e.value for e in at.exception]
    note = _seed002_note(at)
    assert len(note) == 1 and "가장" in note[0]


def test_the_recommended_model_has_no_seed002_note():
    at = open_page(PAGE, {"data": "mnist_sample", "preset": "recommended"})  # the shipped demo run
    assert any(m.label == "Autoencoder test MSE" for m in at.metric)
    assert _captions(at) and not _seed002_note(at)
