"""Page state in URLs (app_ui.url): typed parameters round-trip; tampered ones are refused."""

import pytest

from app_ui import url
from aecore.presets import PRESETS

SPEC = {
    "w.view": url.Param("view", "choice", choices=("pca", "tsne", "umap")),
    "w.dims": url.Param("dims", "choice", choices=(2, 3)),
    "w.k": url.Param("k", "int", 2, 50),
    "w.level": url.Param("level", "float", 0.0, 0.9),
    "w.on": url.Param("on", "bool"),
    "w.ids": url.Param("ids", "ints", 0, 4999, max_items=5),
}


def test_round_trip_of_every_kind():
    values = {"w.view": "umap", "w.dims": 3, "w.k": 12, "w.level": 0.35, "w.on": True, "w.ids": (4, 17, 9)}
    text = url.write(values, SPEC)
    assert text == {"view": "umap", "dims": "3", "k": "12", "level": "0.35", "on": "1", "ids": "4,17,9"}
    parsed, problems = url.read(text, SPEC)
    assert problems == [] and parsed == values
    assert type(parsed["w.dims"]) is int  # the option itself, not its text


@pytest.mark.parametrize("name, text, words", [
    ("view", "<script>", "is not one of"), ("dims", "4", "is not one of"), ("k", "1", "outside"),
    ("k", "ten", "is not a number"), ("level", "inf", "finite"), ("level", "nan", "finite"),
    ("on", "yes", "must be 1 or 0"), ("ids", "1,2,3,4,5,6", "more than 5"), ("ids", "1,x", "whole numbers"),
    ("ids", "1,-2", "outside"), ("view", "u" * 500, "too long"),
])
def test_tampered_values_are_dropped_with_a_reason(name, text, words):
    control = "on" if name != "on" else "k"
    parsed, problems = url.read({name: text, control: "1" if control == "on" else "7"}, SPEC)
    assert len(parsed) == 1 and len(problems) == 1 and words in problems[0], (parsed, problems)


def test_absent_and_unknown_parameters_are_ignored():
    assert url.read({"other": "1"}, SPEC) == ({}, [])


def test_model_params_name_only_what_differs_from_the_preset():
    base = url.form_config("recommended")
    assert url.model_params("mnist_sample", "recommended", base) == {"data": "mnist_sample",
                                                                       "preset": "recommended"}
    changed = base.replace(n_components=2, hidden_units=(64, 32), random_state=3, early_stopping=False)
    params = url.model_params("digits", "recommended", changed)
    assert params == {"data": "digits", "preset": "recommended", "k": "2", "hidden": "64,32", "seed": "3",
                      "es": "0"}
    data_key, preset_name, config, problems = url.model_from_params(params)
    assert (data_key, preset_name, config, problems) == ("digits", "recommended", changed, [])


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_round_trips(name):
    config = url.form_config(name)
    _, preset_name, parsed, problems = url.model_from_params(url.model_params("mnist_sample", name, config))
    assert preset_name == name and parsed == config and problems == []


def test_a_tampered_model_link_falls_back_to_defaults():
    data_key, preset_name, config, problems = url.model_from_params(
        {"data": "../../etc/passwd", "preset": "nope", "k": "100000", "lr": "-1", "hidden": "1e9"})
    assert (data_key, preset_name) == ("mnist_sample", "recommended")
    assert config == url.form_config("recommended")
    assert len(problems) == 5


def test_latent_size_must_stay_below_the_features():
    _, _, config, problems = url.model_from_params({"data": "digits", "k": "64"})
    assert config.n_components == url.form_config("recommended").n_components
    assert "64 features" in problems[0]


def test_no_model_in_a_url_without_model_parameters():
    assert url.model_from_params({"view": "umap", "lang": "ko"}) is None
