"""One declaration per setting (aecore.params): the reducer, TrainConfig and the command line are
made from it, and each setting's checks are its own."""

import dataclasses
import inspect
import subprocess
import sys

import pytest

from aecore.cli import options as cli_options
from aecore import params
from aecore.params import BY_NAME, SETTINGS


def test_the_reducer_signature_and_train_config_are_the_settings():
    from aecore import AutoencoderReducer
    from aecore.presets import TrainConfig

    signature = inspect.signature(AutoencoderReducer).parameters
    assert list(signature) == [s.name for s in SETTINGS] + ["budget"]
    for s in SETTINGS:
        assert signature[s.name].default == s.default, s.name
    assert {f.name: f.default for f in dataclasses.fields(TrainConfig)} == {
        s.name: s.default for s in SETTINGS if s.config}
    # sklearn reads the same signature: get_params lists every setting with its default.
    assert AutoencoderReducer().get_params() == {**{s.name: s.default for s in SETTINGS}, "budget": None}
    assert AutoencoderReducer(5).n_components == 5
    with pytest.raises(TypeError):
        AutoencoderReducer(5, "dense")  # every setting but n_components is passed by keyword


def test_the_docstring_documents_every_setting_with_its_default():
    from aecore import AutoencoderReducer

    doc = AutoencoderReducer.__doc__
    for s in SETTINGS:
        assert f"    {s.name} : " in doc and f"default={s.default!r}" in doc, s.name


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.type in (int, float)], ids=lambda s: s.name)
def test_each_number_is_refused_just_outside_its_bounds(setting):
    from aecore import AutoencoderReducer

    for bound, open_, step in ((setting.low, setting.low_open, -1), (setting.high, setting.high_open, 1)):
        if bound is None:
            continue
        outside = bound if open_ else bound + step * (1 if setting.type is int else bound * 1e-6 or 1e-9)
        outside = setting.type(outside)
        with pytest.raises(ValueError, match=rf"{setting.name}={outside!r} must be .*e\.g\."):
            setting.check(outside)
        with pytest.raises(ValueError, match=rf"{setting.name}="):
            AutoencoderReducer(**{setting.name: outside}).training_estimate(100, 1000)
        inside = bound if not open_ else None
        if inside is not None:
            assert setting.check(setting.type(inside)) == inside


@pytest.mark.parametrize("name, value", [("kind", "magic"), ("activation", "swish"), ("batch_norm", 1),
                                         ("hidden_units", (16, 0)), ("hidden_units", "512"),
                                         ("epochs", 2.5), ("dropout", float("nan")), ("n_components", True)])
def test_wrong_types_and_choices_name_the_value_and_an_example(name, value):
    with pytest.raises(ValueError, match=rf"{name}=.* must be .*, e\.g\. {name}="):
        BY_NAME[name].check(value)


def test_text_is_parsed_as_the_form_the_link_and_the_command_line_read_it():
    assert params.parse_text(BY_NAME["hidden_units"], " 512, 256 ") == (512, 256)
    assert params.parse_text(BY_NAME["hidden_units"], "none") == ()
    assert params.parse_text(BY_NAME["early_stopping"], "0") is False
    assert params.parse_text(BY_NAME["learning_rate"], "0.01") == 0.01
    for name, text in (("epochs", "٣"), ("hidden_units", "512,x"), ("n_components", "1e3")):
        with pytest.raises(ValueError, match=name):
            params.parse_text(BY_NAME[name], text)


def test_the_command_line_options_are_the_cli_settings_with_their_defaults_and_bounds():
    out = subprocess.run([sys.executable, "-m", "aecore", "train", "--help"], capture_output=True,
                         text=True, check=True, env={"COLUMNS": "400", "PATH": ""}).stdout
    text = " ".join(out.split())
    for s in SETTINGS:
        if not s.cli:
            # --verbose is the command line's own option (TensorFlow's log lines), not the setting.
            assert s.flag not in text or s.name == "verbose", s.flag
            continue
        assert s.flag in text and f"(default: {cli_options.default_text(s)}" in text, s.flag
        if s.type not in (bool, str):
            assert s.bounds() in text, s.flag
        for choice in s.choices:
            assert choice in text
    # Real defaults and bounds a person reads, never "None" nor "2.14748e+09".
    assert "default: None" not in text and "e+09" not in text
    assert "(default: 100 (most kinds), 2,000 for linear, 50 for conv; 1 to 5,000)" in text
    assert "(default: 0; 0 to 2,147,483,647)" in text


def test_help_defaults_and_bounds_read_as_words():
    assert cli_options.default_text(BY_NAME["learning_rate"]) == "0.001 (most kinds), 0.02 for linear"
    assert cli_options.default_text(BY_NAME["hidden_units"]) == "512,256"
    assert BY_NAME["random_state"].bounds() == "0 to 2,147,483,647"
    assert BY_NAME["sparsity_target"].bounds() == "above 0 and below 1"
    assert BY_NAME["contamination"].bounds() == "'auto' or above 0 and at most 0.5"
    assert "2147483647" in BY_NAME["random_state"].describe()


@pytest.mark.parametrize("name, kind, url_name, text, value", [
    ("kl_weight", "vae", "beta", "4", 4.0),
    ("wta_rate", "wta", "wta", "0.1", 0.1),
    ("filters", "conv", "filters", "16,32", (16, 32)),
    ("kernel_size", "conv", "kernel", "5", 5),
    ("contractive_weight", "contractive", "cw", "0.3", 0.3),
    ("vae_layers", "vae", "vlayers", "conv", "conv"),
    ("filters", "vae", "filters", "16,32", (16, 32)),  # a convolutional VAE's
])
def test_every_kinds_own_setting_is_in_the_form_the_links_and_the_cli(name, kind, url_name, text, value):
    """Post 001's knobs (the VAE's beta and layers, the WTA rate, the convolutional filters and kernel
    size, the contractive weight) come from the schema to the Train form, a link and aecore train."""
    from aecore.cli.parser import build_parser
    from aecore.cli.commands import config_from_args
    from aecore_app import model_links

    setting = BY_NAME[name]
    assert setting.form and setting.cli and setting.url == url_name and kind in setting.kinds
    args = build_parser().parse_args(["train", "--dataset", "digits", "--kind", kind, setting.flag, text])
    assert getattr(config_from_args(args), name) == value
    _, _, config, problems = model_links.model_from_params({"data": "digits", "kind": kind, url_name: text})
    assert not problems and config.kind == kind and getattr(config, name) == value


def test_a_convolutional_encoder_needs_filters():
    with pytest.raises(ValueError, match=r"filters=\(\) must be at least 1 whole number"):
        BY_NAME["filters"].check(())
