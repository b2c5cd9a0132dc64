import threading

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from aecore import AutoencoderReducer
from aecore.data.datasets import generate_3d_data
from aecore.metrics import compare_linear_to_pca


@pytest.fixture(scope="module")
def small_digits(digits):
    return digits.X[:300]


@pytest.mark.slow
def test_fit_transform_inverse_shapes(small_digits, tiny):
    reducer = AutoencoderReducer(n_components=3, **tiny).fit(small_digits)
    codes = reducer.transform(small_digits)
    assert codes.shape == (300, 3)
    assert reducer.inverse_transform(codes).shape == (300, 64)
    assert reducer.reconstruct(small_digits).shape == (300, 64)
    assert reducer.score_samples(small_digits).shape == (300,)
    assert reducer.get_feature_names_out().tolist() == [f"autoencoderreducer{i}" for i in range(3)]
    assert len(reducer.history_["loss"]) == reducer.n_epochs_ == 2
    assert "val_loss" in reducer.history_


@pytest.mark.slow
def test_dataframe_input_and_feature_names(tiny, rng):
    frame = pd.DataFrame(rng.normal(size=(80, 4)), columns=list("abcd"))
    reducer = AutoencoderReducer(n_components=2, **tiny).fit(frame)
    assert list(reducer.feature_names_in_) == list("abcd")
    assert reducer.transform(frame).shape == (80, 2)


@pytest.mark.slow
def test_progress_callable_hears_every_epoch(small_digits, tiny):
    heard = []
    AutoencoderReducer(2, **tiny).fit(small_digits, progress=lambda epoch, logs: heard.append((epoch, logs)))
    assert [e for e, _ in heard] == [1, 2] and "loss" in heard[0][1]


def test_stop_event_stops_after_the_epoch_and_keeps_weights(small_digits, tiny):
    stop = threading.Event()

    def progress(epoch, logs):
        stop.set()

    reducer = AutoencoderReducer(2, **{**tiny, "epochs": 50}).fit(small_digits, progress=progress,
                                                                    stop_event=stop)
    assert reducer.n_epochs_ == 1 and reducer.stopped_reason_ == "stopped"
    assert np.isfinite(reducer.transform(small_digits)).all()


def test_interruption_from_a_listener_keeps_a_usable_model(small_digits, tiny):
    class Rerun(BaseException):
        """Stands in for Streamlit's RerunException, raised inside the progress hook."""

    def progress(epoch, logs):
        if epoch == 2:
            raise Rerun()

    reducer = AutoencoderReducer(2, **{**tiny, "epochs": 50})
    with pytest.raises(Rerun):
        reducer.fit(small_digits, progress=progress)
    assert reducer.stopped_reason_ == "interrupted" and reducer.n_epochs_ == 2
    assert np.isfinite(reducer.transform(small_digits)).all()


def test_clone_and_params_round_trip():
    reducer = AutoencoderReducer(5, kind="linear", hidden_units=(8,), learning_rate=0.1)
    copy = clone(reducer)
    assert copy.get_params() == reducer.get_params()
    assert copy.set_params(n_components=3).n_components == 3


def test_not_fitted():
    with pytest.raises(NotFittedError):
        AutoencoderReducer().transform(np.zeros((3, 4)))


@pytest.mark.parametrize("params,message", [
    (dict(n_components=64), "n_components=64 must be smaller"),
    (dict(n_components=0), "n_components=0"),
    (dict(epochs=0), "epochs=0"),
    (dict(learning_rate=-1.0), "learning_rate=-1.0"),
    (dict(kind="magic"), "kind='magic'"),
    (dict(batch_size=0), "batch_size=0"),
    (dict(dropout=1.5), "dropout=1.5"),
    (dict(loss="hinge"), "loss='hinge'"),
    (dict(optimizer="lbfgs"), "optimizer='lbfgs'"),
    (dict(hidden_units=(0,)), "hidden_units"),
    (dict(validation_fraction=0.9), "validation_fraction=0.9"),
])
def test_invalid_parameters(params, message, small_digits):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        AutoencoderReducer(**{"n_components": 2, **params}).fit(small_digits)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_rejects_nan_and_inf(bad, rng):
    X = rng.normal(size=(20, 4))
    X[3, 1] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        AutoencoderReducer(2).fit(X)


@pytest.mark.slow
def test_rejects_wrong_dimensions(rng, tiny):
    with pytest.raises(ValueError, match="2D"):
        AutoencoderReducer(2).fit(rng.normal(size=20))
    reducer = AutoencoderReducer(2, **tiny).fit(rng.normal(size=(40, 5)))
    with pytest.raises(ValueError, match="features"):
        reducer.transform(rng.normal(size=(4, 6)))
    with pytest.raises(ValueError, match="codes of shape"):
        reducer.inverse_transform(np.zeros((3, 4)))


@pytest.mark.slow
def test_batch_larger_than_data_is_clipped(rng):
    reducer = AutoencoderReducer(2, epochs=1, batch_size=10_000, random_state=0, hidden_units=(8,))
    assert reducer.fit(rng.normal(size=(30, 5))).n_epochs_ == 1


@pytest.mark.slow
def test_nan_loss_stops_with_a_message_or_keeps_last_good_weights(small_digits):
    """A learning rate that explodes the loss never leaves NaN weights behind."""
    reducer = AutoencoderReducer(2, optimizer="sgd", learning_rate=10.0, epochs=20, random_state=0,
                                 hidden_units=(16,), output_activation="linear")
    try:
        reducer.fit(small_digits * 1000)
    except ValueError as exc:
        assert "lower the learning rate" in str(exc)
    else:
        assert reducer.stopped_reason_ == "nan"
        assert np.isfinite(reducer.transform(small_digits)).all()


@pytest.mark.slow
def test_conv_kind_on_images(digits, tiny):
    reducer = AutoencoderReducer(4, kind="conv", filters=(4, 8), **tiny).fit(digits.X[:200])
    assert reducer.transform(digits.X[:5]).shape == (5, 4)
    assert reducer.reconstruct(digits.X[:5]).shape == (5, 64)


def test_conv_kind_refuses_non_square_rows(rng, tiny):
    with pytest.raises(ValueError, match="not a square"):
        AutoencoderReducer(2, kind="conv", **tiny).fit(rng.random((30, 10)))


@pytest.mark.slow
def test_same_seed_same_codes(small_digits, tiny):
    a = AutoencoderReducer(2, **tiny).fit(small_digits).transform(small_digits[:10])
    b = AutoencoderReducer(2, **tiny).fit(small_digits).transform(small_digits[:10])
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("m,seed", [(60, 4), (60, 7), (1000, 4), (1000, 11)])
def test_linear_defaults_reach_pca(m, seed):
    """Eckart-Young: no 2D linear code beats PCA, and ours gets there (issue #2's limit)."""
    X = generate_3d_data(m, seed=seed)
    scores = compare_linear_to_pca(AutoencoderReducer(2, kind="linear", random_state=0).fit(X), X)
    assert scores["mse_ratio"] <= 1.01
    assert scores["max_angle_deg"] <= 1.0


@pytest.mark.slow
def test_seed_settings_fall_short_of_pca():
    """Post 000's SGD(1.5), 20 epochs: honest, visibly above PCA's optimum."""
    from aecore.presets import preset

    X = generate_3d_data(60, seed=4)
    scores = compare_linear_to_pca(preset("seed000_linear").replace(random_state=42).to_reducer().fit(X), X)
    assert 1.05 < scores["mse_ratio"] < 2.0


@pytest.mark.slow
def test_pipeline_and_grid_search(digits):
    """Features for other models: scaler -> reducer -> classifier, cloned and searched."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler

    pipeline = Pipeline([("scale", MinMaxScaler()),
                         ("reduce", AutoencoderReducer(4, epochs=3, hidden_units=(32,), random_state=0)),
                         ("classify", LogisticRegression(max_iter=500))])
    search = GridSearchCV(pipeline, {"reduce__n_components": [2, 8]}, cv=2)
    search.fit(digits.X[:400], digits.y[:400])
    assert search.best_params_["reduce__n_components"] in (2, 8)
    assert search.best_score_ > 0.3  # chance is 0.1
    names = search.best_estimator_[:-1].get_feature_names_out()
    assert names[0] == "autoencoderreducer0"


@pytest.mark.slow
def test_shared_models_predict_safely_from_many_threads(digits):
    """A cached model is shared by sessions: concurrent transforms give the serial answer."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from aecore import AutoencoderReducer

    reducer = AutoencoderReducer(3, epochs=2, hidden_units=(16,), random_state=0).fit(digits.X[:300])
    expected = reducer.transform(digits.X)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: reducer.transform(digits.X), range(16)))
    for result in results:
        np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)
