"""aecore.runs.encoding: new data checked against a model (features, image size, scaling), encoded in
batches, and written as .npy / .csv / .parquet."""

import io
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from aecore.runs import encoding
from aecore.data.datasets import Dataset, load_dataset

SEED = 0
ZERO_ONE = "values divided by 16 (range 0-1)"


@pytest.fixture(scope="module")
def digits_set():
    return load_dataset("digits")


@pytest.fixture(scope="module")
def fitted(digits_set):
    from aecore.reducer import AutoencoderReducer

    reducer = AutoencoderReducer(n_components=4, epochs=2, batch_size=64, hidden_units=(16,), random_state=SEED)
    return reducer.fit(digits_set.X[:300])


# --------------------------------------------------------------------------- check_fits


def test_check_fits_accepts_data_like_the_training_data(digits_set):
    notes = encoding.check_fits(digits_set, n_features=64, image_shape=(8, 8), scaling=digits_set.scaling)
    assert notes == []


def test_check_fits_notes_a_scaling_nobody_recorded(digits_set):
    notes = encoding.check_fits(digits_set, n_features=64, image_shape=(8, 8), scaling=None)
    assert len(notes) == 1 and "could not be checked" in notes[0] and digits_set.scaling in notes[0]


def test_check_fits_refuses_another_number_of_features(digits_set):
    with pytest.raises(ValueError, match=r"have 64 features per row but the run was trained on 784 "
                                         r"\(28x28 images\)"):
        encoding.check_fits(digits_set, n_features=784, image_shape=(28, 28), scaling=ZERO_ONE,
                            model_name="the run")


def test_check_fits_refuses_another_image_size(digits_set):
    wide = replace(digits_set, image_shape=(4, 16))
    with pytest.raises(ValueError, match=r"images are 4x16 but the model was trained on 8x8 images; resize"):
        encoding.check_fits(wide, n_features=64, image_shape=(8, 8), scaling=ZERO_ONE)


def test_check_fits_refuses_another_scaling_kind(digits_set):
    table = replace(digits_set, scaling="each column standardised (mean 0, standard deviation 1)")
    with pytest.raises(ValueError, match=r"read as 'each column standardised .*' but the model was trained on "
                                         r"data scaled as 'values divided by 16 \(range 0-1\)'"):
        encoding.check_fits(table, n_features=64, image_shape=(8, 8), scaling=ZERO_ONE)


def test_scaling_kind_groups_every_0_1_scaling_and_keeps_standardised_apart():
    kinds = {encoding.scaling_kind(text) for text in ("pixels divided by 255 (range 0-1)",
                                                      "values mapped from [0, 255] to 0-1", ZERO_ONE)}
    assert kinds == {"0-1"}
    assert encoding.scaling_kind("each column standardised (mean 0, standard deviation 1)") == "standardised"
    assert encoding.scaling_kind("something else") == "something else"


# --------------------------------------------------------------------------- encode


@pytest.mark.slow
def test_encode_gives_the_reducers_codes_and_errors(fitted, digits_set):
    X = digits_set.X[300:340]
    encoded = encoding.encode(fitted, X)
    assert encoded.codes.shape == (40, 4) and encoded.codes.dtype == np.float32
    assert encoded.errors.shape == (40,) and encoded.errors.dtype == np.float32
    np.testing.assert_allclose(encoded.codes, fitted.transform(X), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(encoded.errors, fitted.reconstruction_error(X), rtol=1e-4, atol=1e-7)
    assert encoded.notes == []


def test_encode_in_batches_gives_the_same_result(fitted, digits_set, monkeypatch):
    X = digits_set.X[300:340]
    whole = encoding.encode(fitted, X)
    monkeypatch.setattr(encoding, "BATCH_ROWS", 7)
    batched = encoding.encode(fitted, X)
    np.testing.assert_allclose(batched.codes, whole.codes, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(batched.errors, whole.errors, rtol=1e-5, atol=1e-7)


def test_encode_notes_values_far_outside_the_training_range(fitted, digits_set):
    encoded = encoding.encode(fitted, digits_set.X[:5] * 255)
    assert any("meaningless" in note for note in encoded.notes), encoded.notes


def test_encode_checks_the_budget_first(fitted, digits_set):
    from aecore.budget import Budget

    with pytest.raises(ValueError, match=r"data to encode has 50 rows; the limit is 10"):
        encoding.encode(fitted, digits_set.X[:50], budget=Budget(max_rows=10))


# --------------------------------------------------------------------------- files


@pytest.fixture(scope="module")
def encoded(fitted, digits_set):
    return encoding.encode(fitted, digits_set.X[:12])


def test_codes_bytes_npy_round_trips(encoded):
    loaded = np.load(io.BytesIO(encoding.codes_bytes(encoded, ".npy")), allow_pickle=False)
    np.testing.assert_array_equal(loaded, encoded.codes)


def test_codes_bytes_csv_round_trips_with_labels(encoded, digits_set):
    labels = digits_set.y[:12]
    frame = pd.read_csv(io.BytesIO(encoding.codes_bytes(encoded, ".CSV", labels=labels)))
    assert list(frame.columns) == ["code_0", "code_1", "code_2", "code_3", "reconstruction_error", "label"]
    np.testing.assert_allclose(frame[["code_0", "code_1", "code_2", "code_3"]].to_numpy(), encoded.codes, rtol=1e-6)
    np.testing.assert_allclose(frame["reconstruction_error"], encoded.errors, rtol=1e-6)
    np.testing.assert_array_equal(frame["label"], labels)


def test_codes_bytes_parquet_round_trips(encoded):
    frame = pd.read_parquet(io.BytesIO(encoding.codes_bytes(encoded, ".parquet")))
    assert list(frame.columns) == ["code_0", "code_1", "code_2", "code_3", "reconstruction_error"]
    np.testing.assert_array_equal(frame.iloc[:, :4].to_numpy(), encoded.codes)
    np.testing.assert_array_equal(frame["reconstruction_error"].to_numpy(), encoded.errors)


def test_codes_bytes_refuses_an_unknown_format(encoded):
    with pytest.raises(ValueError, match=r"Cannot write codes as '.xlsx'; use one of .npy, .csv, .parquet"):
        encoding.codes_bytes(encoded, ".xlsx")


def test_output_format_reads_the_extension():
    assert encoding.output_format("out/codes.Parquet") == ".parquet"
    with pytest.raises(ValueError, match=r"must end in .npy, .csv, .parquet; got '.txt'"):
        encoding.output_format("codes.txt")


def test_a_dataset_scaling_is_what_check_fits_compares():
    """Built-in and uploaded data say how they were scaled in the words scaling_kind reads."""
    images = Dataset("x", np.zeros((2, 4), np.float32), image_shape=(2, 2), scaling="values mapped from [0, 255] to 0-1")
    assert encoding.check_fits(images, n_features=4, image_shape=(2, 2),
                               scaling="pixels divided by 255 (range 0-1)") == []
