"""Datasets Keras downloads (MNIST, Fashion-MNIST): a link or a picker choice never fetches one by
itself. The app says what it would download and waits for a Download button; a cached file loads
directly. No test reaches the network: Keras' loaders are replaced by fakes."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from aecore.data import datasets as aedata

from tests.builders import APP

DOWNLOAD_KEY = "data.download"


def _fake_arrays(n: int = 200):
    """A tiny stand-in in the npz layout Keras returns: ``(x_train, y_train), (x_test, y_test)``."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = np.arange(n, dtype=np.uint8) % 10
    return (images, labels), (images[:10], labels[:10])


@pytest.fixture()
def keras_loaders(monkeypatch, tmp_path):
    """Keras' MNIST and Fashion-MNIST loaders replaced by fakes that count their calls, with an
    empty Keras cache (nothing is downloaded yet) and the app's dataset cache cleared."""
    import keras

    from aecore_app import caches

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    calls = []
    for name in ("mnist", "fashion_mnist"):
        def load_data(name=name):
            calls.append(name)
            return _fake_arrays()
        monkeypatch.setattr(getattr(keras.datasets, name), "load_data", load_data)
    caches._load_builtin_dataset.clear()
    yield calls
    caches._load_builtin_dataset.clear()  # other tests must not get the fake digits


def _open(page: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page(page).run()
    return at


@pytest.mark.parametrize("page, data", [("aecore_app/app_pages/train.py", "mnist"), ("aecore_app/app_pages/latent.py", "fashion_mnist")])
def test_a_link_to_an_online_dataset_downloads_nothing_until_the_button(keras_loaders, page, data):
    at = _open(page, {"data": data})
    assert not at.exception, [e.value[:300] for e in at.exception]
    assert keras_loaders == []
    button = at.button(key=DOWNLOAD_KEY)
    facts = aedata.ONLINE_DATASETS[data]
    shown = " ".join(e.value for e in at.info)
    assert f"{facts.rows:,}" in shown and f"{facts.download_mb:.1f} MB" in shown, shown

    button.click().run()
    assert not at.exception, [e.value[:300] for e in at.exception]
    assert keras_loaders == [data]
    at.run()  # a later rerun reuses the loaded data: no second download, no button
    assert keras_loaders == [data]
    assert not [b for b in at.button if b.key == DOWNLOAD_KEY]


@pytest.mark.slow
def test_the_picker_asks_before_a_download(keras_loaders):
    at = _open("aecore_app/app_pages/train.py", {})
    at.selectbox(key="train.dataset").set_value("fashion_mnist").run()
    assert not at.exception, [e.value[:300] for e in at.exception]
    assert keras_loaders == []
    at.button(key=DOWNLOAD_KEY).click().run()
    assert keras_loaders == ["fashion_mnist"]
    assert not at.exception, [e.value[:300] for e in at.exception]


def test_a_cached_online_dataset_loads_without_a_button(keras_loaders, tmp_path):
    cached = tmp_path / "keras" / "datasets" / "mnist.npz"
    cached.parent.mkdir(parents=True)
    (x_train, y_train), (x_test, y_test) = _fake_arrays()
    np.savez(cached, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    assert aedata.is_cached("mnist")
    at = _open("aecore_app/app_pages/train.py", {"data": "mnist"})
    assert not at.exception, [e.value[:300] for e in at.exception]
    assert keras_loaders == ["mnist"]
    assert not [b for b in at.button if b.key == DOWNLOAD_KEY]


def test_online_dataset_facts_and_cache_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert set(aedata.ONLINE_DATASETS) == {"mnist", "fashion_mnist"}
    assert set(aedata.ONLINE_DATASETS) <= set(aedata.BUILTIN_DATASETS)
    for name, facts in aedata.ONLINE_DATASETS.items():
        assert facts.rows == 60_000 and 5 < facts.download_mb < 100
        assert not aedata.is_cached(name) and aedata.needs_download(name)
        for path in aedata.cache_paths(name):
            assert path.parent.is_relative_to(tmp_path / "datasets")
    assert not aedata.needs_download("mnist_sample")
    with pytest.raises(ValueError, match="mnist_sample"):
        aedata.is_cached("mnist_sample")
