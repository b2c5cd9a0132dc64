"""Where runs come from (issue 14, cases 5 and 6): the Runs page opens runs from the owner's runs
folder, the shipped demos or an uploaded run ZIP, never from a path a person types; the library
resolves only names inside the runs folder. (Case 7, escaping:
test_markdown_escaping_and_ascii_links.py.)"""

import io
import json
import os
import re
import zipfile

import numpy as np
import pytest

from tests.builders import open_page, readable

from aecore.runs import export
from aecore.presets import TrainConfig
from aecore.runs.format import CONFIG_FILE, WEIGHTS_FILE
from aecore.runs.saving import save_run
from aecore.runs.loading import is_within, list_runs, load_run, resolve_run, runs_root
from aecore_app import model_links
from aecore_app.session import ModelKey

TIMEOUT = 300
SEED = 0


@pytest.fixture(scope="module")
def fitted(digits):
    config = TrainConfig(n_components=3, hidden_units=(16,), epochs=2, batch_size=64, random_state=SEED)
    return config, config.to_reducer(image_shape=(8, 8)).fit(digits.X[:300])


@pytest.fixture()
def root(tmp_path, fitted, monkeypatch):
    """A runs folder with one good run, one broken folder and a link to a run outside it."""
    config, reducer = fitted
    folder = tmp_path / "runs"
    save_run(folder / "good", reducer, config, "digits", metrics={"test_mse": 0.5})
    (folder / "broken").mkdir()
    save_run(tmp_path / "outside" / "secret", reducer, config, "digits")
    os.symlink(tmp_path / "outside" / "secret", folder / "escape")
    monkeypatch.setenv("AECORE_RUNS_ROOT", str(folder))
    return folder


def _open(page, params=None):
    return open_page(page, params, timeout=TIMEOUT)


def _no_exception(at):
    assert not at.exception, [e.value for e in at.exception]


# --------------------------------------------------------------------------- the runs folder


def test_runs_root_is_the_owners_setting(monkeypatch, tmp_path):
    monkeypatch.delenv("AECORE_RUNS_ROOT", raising=False)
    assert runs_root() == os.path.abspath("runs")
    monkeypatch.setenv("AECORE_RUNS_ROOT", str(tmp_path))
    assert runs_root() == str(tmp_path)


@pytest.mark.parametrize("name", ["/etc", "..", "../..", "../outside/secret", "good/../../outside", "",
                                  ".hidden", "a\\b", "good\0"])
def test_resolve_run_refuses_a_path_instead_of_a_name(root, name):
    with pytest.raises(ValueError, match="not a path"):
        resolve_run(root, name)


def test_resolve_run_refuses_a_link_out_of_the_root_and_a_missing_run(root, tmp_path):
    assert resolve_run(root, "good") == os.path.join(os.path.realpath(root), "good")
    with pytest.raises(ValueError, match="leads outside the runs folder") as caught:
        resolve_run(root, "escape")
    assert str(tmp_path) not in str(caught.value)
    with pytest.raises(ValueError, match="no run named 'nothing'"):
        resolve_run(root, "nothing")


def test_load_run_refuses_a_run_outside_the_root(root, tmp_path):
    with pytest.raises(ValueError, match="outside the runs folder"):
        load_run(tmp_path / "outside" / "secret", root=root)
    with pytest.raises(ValueError, match="outside the runs folder"):
        load_run(os.path.join(root, "..", "outside", "secret"), root=root)
    with pytest.raises(ValueError, match="outside the runs folder"):
        load_run(root / "escape", root=root)
    load_run(tmp_path / "outside" / "secret")  # The library and the CLI may open any path.


def test_load_run_refuses_a_file_linked_out_of_the_root(root, tmp_path):
    weights = root / "good" / WEIGHTS_FILE
    os.replace(weights, tmp_path / "elsewhere.h5")
    os.symlink(tmp_path / "elsewhere.h5", weights)
    with pytest.raises(ValueError, match=f"{WEIGHTS_FILE} of the run 'good' leads outside"):
        load_run(root / "good", root=root)


def test_is_within_follows_dots_and_links(root, tmp_path):
    assert is_within(root / "good", root)
    assert not is_within(root, root)
    assert not is_within(root / ".." / "outside", root)
    assert not is_within(root / "escape", root)
    assert not is_within("/etc", root)


def test_listing_skips_links_out_of_the_root_and_names_folders_relative_to_it(root, tmp_path):
    skipped = []
    found = list_runs(root, on_skip=lambda path, reason: skipped.append((os.path.basename(path), reason)),
                      contained=True)
    assert [r.name for r in found] == ["good"]
    assert sorted(name for name, _ in skipped) == ["broken", "escape"]
    assert not any(str(tmp_path) in reason for _, reason in skipped), skipped


def test_load_run_checks_the_budget_before_building(tmp_path, fitted, monkeypatch):
    from aecore.models import builders as models
    from aecore.budget import Budget

    config, reducer = fitted
    run_dir = save_run(tmp_path / "run", reducer, config, "digits")
    monkeypatch.setattr(models, "build", lambda arch: pytest.fail("built the model before the budget check"))
    with pytest.raises(ValueError, match=r"holds a model of [\d,]+ parameters; the limit is 1,000"):
        load_run(run_dir, budget=Budget(max_parameters=1_000))


# --------------------------------------------------------------------------- the Runs page


def test_runs_page_has_no_text_box_and_lists_only_the_root_and_the_demos(root, tmp_path):
    from aecore.runs import demo

    at = _open("aecore_app/app_pages/runs.py")
    assert not at.text_input, "the Runs page must not take a server path"
    choice = at.selectbox(key="runs.choice")
    assert choice.options == [f"{name} (demo)" for name in demo.DEMOS] + ["good"]
    assert [o for o in choice.options if "escape" in o or "secret" in o] == []
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 2 and all(str(tmp_path) not in w for w in warnings), warnings
    assert any("broken" in w for w in warnings) and any("escape" in w for w in warnings)


@pytest.mark.slow
def test_runs_page_opens_a_run_of_the_root_and_a_demo(root):
    at = _open("aecore_app/app_pages/runs.py")
    at.selectbox(key="runs.choice").set_value("run:good").run()
    at.button(key="runs.open").click().run()
    _no_exception(at)
    assert any(s.value.startswith("Opened good") for s in at.success), [s.value for s in at.success]
    assert at.session_state["current_model"].key.source == "run"
    at.selectbox(key="runs.choice").set_value("demo:mnist-recommended").run()
    at.button(key="runs.open").click().run()
    _no_exception(at)
    assert at.session_state["current_model"].key == ModelKey.trained("mnist_sample", model_links.form_config("recommended"))


# --------------------------------------------------------------------------- run ZIP uploads


@pytest.fixture(scope="module")
def run_zip(fitted):
    config, reducer = fitted
    return export.to_zip_bytes(reducer, config, "digits", metrics={"test_mse": 0.5})


def _with_members(data: bytes, extra: dict[str, bytes] = None, replace: dict[str, bytes] = None) -> bytes:
    """A copy of a run ZIP with members replaced or added."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name in source.namelist():
            out.writestr(name, (replace or {}).get(name, source.read(name)))
        for name, content in (extra or {}).items():
            out.writestr(name, content)
    return buffer.getvalue()


def _upload(name: str, data: bytes):
    at = _open("aecore_app/app_pages/runs.py")
    at.file_uploader(key="runs.upload").set_value((name, data, "application/zip")).run()
    _no_exception(at)
    return at


def test_an_uploaded_run_zip_becomes_the_current_model(run_zip):
    at = _upload("digits-run.zip", run_zip)
    assert not at.error, [e.value for e in at.error]
    assert any(s.value.startswith("Opened digits\\-run") for s in at.success), [s.value for s in at.success]
    current = at.session_state["current_model"]
    assert current.key.source == "zip" and current.data_key == "digits"
    at.switch_page("aecore_app/app_pages/reconstructions.py").run()
    _no_exception(at)
    assert any(m.label == "Autoencoder test MSE" for m in at.metric)


def _bomb() -> bytes:
    """60 MB of zeros: a few kilobytes once compressed."""
    return np.zeros(15_000_000, dtype=np.float32).tobytes()


@pytest.mark.parametrize("case", ["pickle", "keras", "folder", "unpacks too large", "too many parameters",
                                  "not a zip"])
def test_a_bad_run_zip_is_refused_with_an_error(run_zip, case):
    big = json.loads(zipfile.ZipFile(io.BytesIO(run_zip)).read(CONFIG_FILE))
    big["config"]["hidden_units"] = big["architecture"]["hidden_units"] = [4096, 4096, 4096]
    data, pattern = {
        "pickle": (_with_members(run_zip, {"model.pkl": b"\x80\x04K\x01."}), r"unexpected file\(s\) \['model.pkl'\]"),
        "keras": (_with_members(run_zip, {"model.keras": b"PK"}), r"unexpected file\(s\) \['model.keras'\]"),
        "folder": (_with_members(run_zip, {"run/config.json": b"{}"}), r"unexpected file\(s\) \['run/config.json'\]"),
        "unpacks too large": (_with_members(run_zip, replace={"model.weights.h5": _bomb()}),
                              r"unpacks to more than 52 MB"),
        "too many parameters": (_with_members(run_zip, replace={CONFIG_FILE: json.dumps(big).encode()}),
                                r"holds a model of [\d,]+ parameters; the limit is 10,000,000"),
        "not a zip": (b"%PDF-1.4 not a zip", r"not a valid ZIP archive"),
    }[case]
    at = _upload("evil.zip", data)
    # Messages are Markdown-escaped; compare the text a person reads.
    errors = [readable(e.value) for e in at.error]
    assert any(re.search(pattern, e) for e in errors), (pattern, errors)
    assert "current_model" not in at.session_state or at.session_state["current_model"].key.source != "zip"


def test_read_zip_bytes_caps_the_zip_itself(run_zip):
    with pytest.raises(ValueError, match="model ZIPs are at most"):
        export.read_zip_bytes(run_zip, max_bytes=len(run_zip) - 1)
