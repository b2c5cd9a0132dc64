"""Page state in URLs (aecore_app.url): typed parameters round-trip; tampered ones are refused; a model's
settings, the sparse and denoising ones included, are written and read back."""

import pytest

from aecore import params
from aecore.presets import PRESETS, TrainConfig
from aecore_app import model_links
from aecore_app import url

SPEC = {
    "w.view": url.Param("view", "choice", choices=("pca", "tsne", "umap")),
    "w.dims": url.Param("dims", "choice", choices=(2, 3)),
    "w.k": url.Param("k", "int", 2, 50),
    "w.level": url.Param("level", "float", 0.0, 0.9),
    "w.on": url.Param("on", "bool"),
    "w.ids": url.Param("ids", "ints", 0, 4999, max_items=5),
    "w.find": url.Param("find", "text", max_chars=12),
}


def test_round_trip_of_every_kind():
    values = {"w.view": "umap", "w.dims": 3, "w.k": 12, "w.level": 0.35, "w.on": True, "w.ids": (4, 17, 9),
              "w.find": "<b>3, 5"}
    text = url.write(values, SPEC)
    assert text == {"view": "umap", "dims": "3", "k": "12", "level": "0.35", "on": "1", "ids": "4,17,9",
                    "find": "<b>3, 5"}  # kept as typed: the page escapes it before showing it
    parsed, problems = url.read(text, SPEC)
    assert problems == [] and parsed == values
    assert type(parsed["w.dims"]) is int  # the option itself, not its text


@pytest.mark.parametrize("name, text, words", [
    ("view", "<script>", "is not one of"), ("dims", "4", "is not one of"), ("k", "1", "outside"),
    ("k", "ten", "is not a number"), ("level", "inf", "finite"), ("level", "nan", "finite"),
    ("on", "yes", "must be 1 or 0"), ("ids", "1,2,3,4,5,6", "more than 5"), ("ids", "1,x", "whole numbers"),
    ("ids", "1,-2", "outside"), ("view", "u" * 500, "too long"), ("find", "x" * 13, "more than 12 characters"),
    ("find", "3\n<h1>", "not printable"), ("find", "\u202e5", "not printable"),
])
def test_tampered_values_are_dropped_with_a_reason(name, text, words):
    control = "on" if name != "on" else "k"
    parsed, problems = url.read({name: text, control: "1" if control == "on" else "7"}, SPEC)
    assert len(parsed) == 1 and len(problems) == 1 and words in problems[0], (parsed, problems)


def test_absent_and_unknown_parameters_are_ignored():
    assert url.read({"other": "1"}, SPEC) == ({}, [])


def test_model_params_name_only_what_differs_from_the_preset():
    base = model_links.form_config("recommended")
    assert model_links.model_params("mnist_sample", "recommended", base) == {"data": "mnist_sample",
                                                                       "preset": "recommended"}
    changed = base.replace(n_components=2, hidden_units=(64, 32), random_state=3, early_stopping=False)
    params = model_links.model_params("digits", "recommended", changed)
    assert params == {"data": "digits", "preset": "recommended", "k": "2", "hidden": "64,32", "seed": "3",
                      "es": "0"}
    data_key, preset_name, config, problems = model_links.model_from_params(params)
    assert (data_key, preset_name, config, problems) == ("digits", "recommended", changed, [])


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_round_trips(name):
    config = model_links.form_config(name)
    _, preset_name, parsed, problems = model_links.model_from_params(model_links.model_params("mnist_sample", name, config))
    assert preset_name == name and parsed == config and problems == []


def test_a_tampered_model_link_falls_back_to_defaults():
    data_key, preset_name, config, problems = model_links.model_from_params(
        {"data": "../../etc/passwd", "preset": "nope", "k": "100000", "lr": "-1", "hidden": "1e9"})
    assert (data_key, preset_name) == ("mnist_sample", "recommended")
    assert config == model_links.form_config("recommended")
    assert len(problems) == 5


def test_latent_size_must_stay_below_the_features():
    _, _, config, problems = model_links.model_from_params({"data": "digits", "k": "64"})
    assert config.n_components == model_links.form_config("recommended").n_components
    assert "64 features" in problems[0]


def test_no_model_in_a_url_without_model_parameters():
    assert model_links.model_from_params({"view": "umap", "lang": "ko"}) is None


# --------------------------------------------------------------------------- sparse and denoising settings


NEW = {"noise": ("ntype", ("denoising",)), "noise_level": ("nlevel", ("denoising",)),
       "sparsity": ("sparsity", ("sparse",)), "sparsity_weight": ("sw", ("sparse",)),
       "sparsity_target": ("starget", ("sparse",))}


def test_the_five_settings_are_on_the_form_in_links_and_on_the_command_line():
    urls = [s.url for s in params.SETTINGS if s.url]
    assert len(urls) == len(set(urls))
    for name, (link_name, kinds) in NEW.items():
        setting = params.BY_NAME[name]
        assert setting.form and setting.cli and setting.url == link_name and setting.kinds == kinds, name
        assert setting.label == f"train.{name}"
        assert model_links.MODEL_FIELDS[name].name == link_name
    # Settings for all kinds say so.
    assert params.BY_NAME["hidden_units"].kinds is None


def test_a_link_names_a_sparse_l1_model():
    _, preset_name, config, problems = model_links.model_from_params(
        {"data": "digits", "kind": "sparse", "sparsity": "l1", "sw": "0.002"})
    assert problems == [] and preset_name == "recommended"
    assert config == model_links.form_config("recommended").replace(kind="sparse", sparsity="l1", sparsity_weight=0.002)
    # Written back, only the changed settings appear, and they read back the same.
    written = model_links.model_params("digits", "recommended", config)
    assert {k: written[k] for k in ("kind", "sparsity", "sw")} == {"kind": "sparse", "sparsity": "l1", "sw": "0.002"}
    assert not {"ntype", "nlevel", "starget"} & set(written)
    assert model_links.model_from_params(written)[2] == config


@pytest.mark.parametrize("config", [
    dict(kind="denoising", noise="dropout", noise_level=0.2),
    dict(kind="sparse", sparsity="kl", sparsity_target=0.05, sparsity_weight=0.5),
    dict(kind="sparse", sparsity="l1"),
])
def test_links_round_trip_the_new_settings(config):
    for preset_name in ("recommended", "denoising", "sparse"):
        wanted = model_links.form_config(preset_name).replace(**config)
        _, name, parsed, problems = model_links.model_from_params(model_links.model_params("mnist_sample", preset_name, wanted))
        assert (name, parsed, problems) == (preset_name, wanted, [])


def test_a_weight_equal_to_the_penalty_default_is_the_default():
    _, _, config, _ = model_links.model_from_params({"kind": "sparse", "sparsity": "l1", "sw": "0.001"})
    assert config.sparsity_weight is None
    assert model_links.widget_values("sparse", TrainConfig(kind="sparse", sparsity="l1"))["sparsity_weight"] == 0.001


def test_bad_values_in_a_link_are_dropped_with_a_reason():
    _, _, config, problems = model_links.model_from_params({"kind": "denoising", "ntype": "salt", "nlevel": "99",
                                                   "starget": "nan"})
    assert config == model_links.form_config("recommended").replace(kind="denoising")
    assert len(problems) == 3
