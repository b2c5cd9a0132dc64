"""Run directories: save, rebuild from code, validate every file, list; the export ZIP.
What saving refuses is in test_run_saving.py."""

import io
import json
import os
import shutil
import zipfile

import numpy as np
import pytest

from aecore import AutoencoderReducer
from aecore.runs.export import read_zip_bytes, to_zip_bytes
from aecore.presets import TrainConfig
from aecore.runs.format import (
    CODES_FILE,
    CONFIG_FILE,
    HISTORY_FILE,
    LATENT_HISTORY_FILE,
    MAX_JSON_DEPTH,
    MAX_TEXT_CHARS,
    METRICS_FILE,
    REQUIRED_FILES,
    WEIGHTS_FILE,
    json_nesting_depth,
    read_run_info,
)
from aecore.runs.saving import save_run
from aecore.runs.loading import list_runs, load_codes, load_run

SEED = 0


def _fit(X, **changes):
    config = TrainConfig(n_components=3, hidden_units=(16,), epochs=2, batch_size=64,
                         random_state=SEED).replace(**changes)
    return config, config.to_reducer(image_shape=(8, 8)).fit(X)


@pytest.fixture(scope="module")
def X(digits):
    return digits.X[:300]


@pytest.fixture(scope="module")
def fitted(X):
    return _fit(X)


@pytest.fixture()
def run_dir(tmp_path, fitted, X):
    config, reducer = fitted
    return save_run(tmp_path / "run", reducer, config, "digits", metrics={"test_mse": 0.5},
                    codes=reducer.transform(X))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["dense", "conv"])
def test_load_run_rebuilds_the_same_model(tmp_path, X, kind):
    changes = {"kind": kind, "filters": (4, 8), "hidden_units": ()} if kind == "conv" else {}
    config, reducer = _fit(X, **changes)
    save_run(tmp_path / kind, reducer, config, "digits", metrics={"test_mse": np.float32(0.25)})
    loaded, info = load_run(tmp_path / kind)
    np.testing.assert_array_equal(loaded.transform(X), reducer.transform(X))
    np.testing.assert_allclose(loaded.reconstruct(X), reducer.reconstruct(X), atol=1e-6)
    np.testing.assert_allclose(loaded.reconstruction_error(X), reducer.reconstruction_error(X), atol=1e-7)
    codes = reducer.transform(X[:5])
    np.testing.assert_allclose(loaded.inverse_transform(codes), reducer.inverse_transform(codes),
                               atol=1e-6)
    for name in ("n_features_in_", "output_activation_", "n_epochs_", "best_epoch_",
                 "stopped_reason_", "history_", "architecture_"):
        assert getattr(loaded, name) == getattr(reducer, name), name
    assert loaded.get_params() == reducer.get_params()
    assert (info.kind, info.dataset, info.n_components, info.n_features) == (kind, "digits", 3, 64)
    assert info.image_shape == (8, 8) and info.metrics == {"test_mse": 0.25}
    assert not info.has_codes and load_codes(tmp_path / kind) is None


def test_codes_and_files_are_saved(run_dir, fitted, X):
    _, reducer = fitted
    assert sorted(os.listdir(run_dir)) == sorted(REQUIRED_FILES + (CODES_FILE, LATENT_HISTORY_FILE))
    np.testing.assert_array_equal(load_codes(run_dir), reducer.transform(X))
    manifest = json.loads(open(os.path.join(run_dir, CONFIG_FILE)).read())
    assert manifest["config"] == fitted[0].to_dict() | {"hidden_units": [16], "filters": [32, 64]}
    assert manifest["architecture"]["n_features"] == 64 and manifest["n_features"] == 64
    assert manifest["aecore_version"] and manifest["created"]


@pytest.mark.slow
def test_dataframe_feature_names_survive(tmp_path, X):
    import pandas as pd

    frame = pd.DataFrame(X[:, :6], columns=list("abcdef"))
    reducer = AutoencoderReducer(2, hidden_units=(4,), epochs=1, random_state=SEED).fit(frame)
    save_run(tmp_path / "frame", reducer, None, "table")
    loaded, _ = load_run(tmp_path / "frame")
    assert list(loaded.feature_names_in_) == list("abcdef")
    np.testing.assert_array_equal(loaded.transform(frame), reducer.transform(frame))


def test_zip_download_holds_the_run_format(fitted, X):
    config, reducer = fitted
    data = to_zip_bytes(reducer, config, "digits", {"test_mse": 0.1}, codes=reducer.transform(X))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == sorted(REQUIRED_FILES + (CODES_FILE, LATENT_HISTORY_FILE))
    loaded, info = read_zip_bytes(data)
    np.testing.assert_array_equal(loaded.transform(X), reducer.transform(X))
    assert info.metrics == {"test_mse": 0.1}


def test_zip_with_foreign_files_is_refused(fitted):
    config, reducer = fitted
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(to_zip_bytes(reducer, config, "digits"))) as src, \
            zipfile.ZipFile(buffer, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
        dst.writestr("../evil.py", "print('no')")
    with pytest.raises(ValueError, match="unexpected file"):
        read_zip_bytes(buffer.getvalue())
    with pytest.raises(ValueError, match="not a valid ZIP"):
        read_zip_bytes(b"not a zip")


# --------------------------------------------------------------------------- refusing bad runs


@pytest.mark.parametrize("name", REQUIRED_FILES)
def test_missing_file_is_refused(run_dir, name):
    os.remove(os.path.join(run_dir, name))
    with pytest.raises(ValueError, match=f"missing {name}"):
        load_run(run_dir)


def _edit_config(run_dir, **changes):
    path = os.path.join(run_dir, CONFIG_FILE)
    manifest = json.loads(open(path).read())
    manifest.update(changes)
    open(path, "w").write(json.dumps(manifest))
    return manifest


def test_unknown_format_is_refused(run_dir):
    _edit_config(run_dir, format="someone-else-v9")
    with pytest.raises(ValueError, match="format='someone-else-v9'"):
        load_run(run_dir)


def test_damaged_json_is_refused(run_dir):
    open(os.path.join(run_dir, CONFIG_FILE), "w").write("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        read_run_info(run_dir)


def test_architecture_disagreeing_with_config_is_refused(run_dir):
    manifest = json.loads(open(os.path.join(run_dir, CONFIG_FILE)).read())
    _edit_config(run_dir, architecture=manifest["architecture"] | {"n_components": 4})
    with pytest.raises(ValueError, match="disagrees with the config"):
        load_run(run_dir)


def test_unknown_architecture_field_is_refused(run_dir):
    manifest = json.loads(open(os.path.join(run_dir, CONFIG_FILE)).read())
    _edit_config(run_dir, architecture=manifest["architecture"] | {"quantum": True})
    with pytest.raises(ValueError, match="unknown field"):
        load_run(run_dir)


def test_bad_image_shape_is_refused(run_dir):
    _edit_config(run_dir, image_shape=[7, 7])
    with pytest.raises(ValueError, match="image_shape"):
        load_run(run_dir)


@pytest.mark.slow
def test_weights_of_another_model_are_refused(tmp_path, run_dir, X):
    config, other = _fit(X, n_components=4)
    save_run(tmp_path / "other", other, config, "digits")
    shutil.copy(tmp_path / "other" / WEIGHTS_FILE, os.path.join(run_dir, WEIGHTS_FILE))
    with pytest.raises(ValueError, match="shapes do not match"):
        load_run(run_dir)


def test_weights_that_are_not_hdf5_are_refused(run_dir):
    open(os.path.join(run_dir, WEIGHTS_FILE), "wb").write(b"\x80\x04pickle?")
    with pytest.raises(ValueError, match="not a readable HDF5"):
        load_run(run_dir)


def test_history_of_the_wrong_length_is_refused(run_dir):
    open(os.path.join(run_dir, HISTORY_FILE), "w").write(json.dumps({"loss": [0.1]}))
    with pytest.raises(ValueError, match="has 1 value"):
        load_run(run_dir)


def test_codes_of_the_wrong_shape_are_refused(run_dir):
    np.save(os.path.join(run_dir, CODES_FILE), np.zeros((10, 5), np.float32))
    with pytest.raises(ValueError, match=r"expected floats of shape \(n_samples, 3\)"):
        load_run(run_dir)


def test_pickled_codes_are_refused(run_dir):
    np.save(os.path.join(run_dir, CODES_FILE), np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="not a plain numeric"):
        load_codes(run_dir)


DEEP_JSON = "[" * 200_000 + "]" * 200_000


@pytest.mark.parametrize("text, depth", [("", 0), ("1", 0), ("[]", 1), ('{"a": [[1]], "b": {}}', 3),
                                         (r'{"a": "[[[\"[[{", "b": [1]}', 2)])
def test_json_nesting_depth_ignores_brackets_in_strings(text, depth):
    assert json_nesting_depth(text) == depth


@pytest.mark.parametrize("name, text", [(CONFIG_FILE, DEEP_JSON), (METRICS_FILE, DEEP_JSON),
                                        (HISTORY_FILE, '{"loss": ' + DEEP_JSON + "}")])
def test_json_nested_deeper_than_the_limit_is_refused(run_dir, name, text):
    open(os.path.join(run_dir, name), "w").write(text)
    with pytest.raises(ValueError, match=rf"{name} .* nests 200,00\d levels deep; the limit is "
                                         rf"{MAX_JSON_DEPTH}\..*Train it again"):
        load_run(run_dir)


def test_a_run_zip_nesting_200000_lists_is_refused(fitted):
    config, reducer = fitted
    with zipfile.ZipFile(io.BytesIO(to_zip_bytes(reducer, config, "digits"))) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    for name in (CONFIG_FILE, METRICS_FILE):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, content in {**files, name: DEEP_JSON.encode()}.items():
                archive.writestr(member, content)
        with pytest.raises(ValueError, match=rf"{name} in 'zip' nests 200,000 levels deep"):
            read_zip_bytes(buffer.getvalue())


def test_a_number_too_long_to_read_is_refused(run_dir):
    open(os.path.join(run_dir, METRICS_FILE), "w").write('{"test_mse": ' + "9" * 5000 + "}")
    with pytest.raises(ValueError, match=f"{METRICS_FILE} .* is not valid JSON .*4300 digits"):
        read_run_info(run_dir)


@pytest.mark.parametrize("key", ["dataset", "created", "aecore_version"])
def test_a_text_field_longer_than_the_limit_is_refused(run_dir, key):
    _edit_config(run_dir, **{key: "x" * 100_000})
    with pytest.raises(ValueError, match=rf"'{key}' is 100,000 characters long; the limit is "
                                         rf"{MAX_TEXT_CHARS:,}\..*train the run again"):
        read_run_info(run_dir)


def test_an_empty_codes_file_is_refused(run_dir):
    open(os.path.join(run_dir, CODES_FILE), "wb").close()
    with pytest.raises(ValueError, match="codes.npy .* is not a plain numeric .npy file"):
        load_codes(run_dir)


# --------------------------------------------------------------------------- listing


def test_list_runs_skips_broken_folders_with_a_reason(tmp_path, fitted):
    config, reducer = fitted
    root = tmp_path / "runs"
    save_run(root / "a", reducer, config, "digits", metrics={"test_mse": 1.0})
    save_run(root / "b", reducer, config, "mnist_sample")
    (root / "empty").mkdir()
    (root / "notes.txt").write_text("not a run")
    os.remove(root / "b" / WEIGHTS_FILE)
    skipped = []
    runs = list_runs(root, on_skip=lambda path, reason: skipped.append((os.path.basename(path), reason)))
    assert [r.name for r in runs] == ["a"]
    assert runs[0].metrics == {"test_mse": 1.0} and runs[0].dataset == "digits"
    assert sorted(name for name, _ in skipped) == ["b", "empty"]
    assert all("missing" in reason for _, reason in skipped)
    with pytest.warns(UserWarning, match="Skipped"):
        list_runs(root)
    assert list_runs(tmp_path / "nowhere") == []
