"""The Train page's form for the sparse and denoising kinds (AppTest): their settings show for their
kind only and reach the link; the sparsity weight follows the penalty while left at its default."""

import pytest

from aecore import params


def _train_page():
    from tests.builders import open_page

    return open_page("aecore_app/app_pages/train.py", timeout=180)


def _keys(at):
    return {w.key for kind in ("number_input", "slider", "selectbox", "checkbox", "text_input")
            for w in getattr(at, kind) if w.key}


def test_the_train_form_shows_the_noise_settings_for_denoising_only():
    at = _train_page()
    noise_keys = {"train.ntype.recommended", "train.nlevel.recommended"}
    sparse_keys = {"train.sparsity.recommended", "train.sw.recommended", "train.starget.recommended"}
    assert not (noise_keys | sparse_keys) & _keys(at)  # the recommended preset is dense
    at.selectbox(key="train.kind.recommended").set_value("denoising").run()
    assert not at.exception, [e.value for e in at.exception]
    assert noise_keys <= _keys(at) and not sparse_keys & _keys(at)
    assert any("denoising" in c.value for c in at.caption)
    at.selectbox(key="train.ntype.recommended").set_value("dropout").run()
    at.number_input(key="train.nlevel.recommended").set_value(0.2).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["ntype"] == "dropout" and at.query_params["nlevel"] == "0.2"
    at.selectbox(key="train.kind.recommended").set_value("dense").run()
    assert not (noise_keys | sparse_keys) & _keys(at)
    assert "ntype" not in at.query_params  # hidden: the preset's values, so nothing to link


def test_the_sparsity_weight_follows_the_penalty_while_left_at_its_default():
    at = _train_page()
    at.selectbox(key="train.kind.recommended").set_value("sparse").run()
    for name in ("sparsity_weight", "sparsity_target"):
        setting = params.BY_NAME[name]
        widget = at.number_input(key=f"train.{setting.url}.recommended")
        assert (widget.min, widget.max) == (setting.low, setting.high), name
    assert at.number_input(key="train.starget.recommended").value == pytest.approx(0.1)
    assert at.number_input(key="train.sw.recommended").value == pytest.approx(0.01)
    assert "sw" not in at.query_params  # the default is None, not a number to link
    at.selectbox(key="train.sparsity.recommended").set_value("l1").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key="train.sw.recommended").value == pytest.approx(0.001)
    assert "sw" not in at.query_params and at.query_params["sparsity"] == "l1"
    at.number_input(key="train.sw.recommended").set_value(0.002).run()
    assert at.query_params["sw"] == "0.002"
