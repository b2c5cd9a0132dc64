"""Each kind's own settings on the command line (the VAE's beta, the WTA rate, the convolutional
filters and kernel size, the contractive weight): ``aecore train`` takes a valid value, refuses one
outside the declared bounds in one line that names the option, the limit and an example, and
refuses a convolution deeper than the images before it trains."""

import pytest

from aecore.cli import parser as cli
from aecore.cli.commands import config_from_args

TINY = ["--n-components", "2", "--hidden-units", "16", "--epochs", "1", "--batch-size", "64",
        "--seed", "0", "--quiet"]


@pytest.mark.parametrize("kind, argv, field, value", [
    ("vae", ["--kl-weight", "0"], "kl_weight", 0.0),
    ("vae", ["--kl-weight", "1000"], "kl_weight", 1000.0),
    ("wta", ["--wta-rate", "1"], "wta_rate", 1.0),
    ("conv", ["--filters", "8"], "filters", (8,)),
    ("conv", ["--kernel-size", "15"], "kernel_size", 15),
    ("contractive", ["--contractive-weight", "2.5"], "contractive_weight", 2.5),
    ("vae", ["--vae-layers", "conv"], "vae_layers", "conv"),
])
def test_a_value_at_a_bound_is_taken(kind, argv, field, value):
    args = cli.build_parser().parse_args(["train", "--dataset", "digits", "--kind", kind, *argv])
    assert getattr(config_from_args(args), field) == value


@pytest.mark.parametrize("argv, said", [
    (["--kl-weight", "-0.5"], "--kl-weight -0.5 must be a number from 0 to 1,000; e.g. --kl-weight 1.0"),
    (["--kl-weight", "nan"], "--kl-weight nan must be a number from 0 to 1,000"),
    (["--wta-rate", "0"], "--wta-rate 0 must be a number above 0 and at most 1; e.g. --wta-rate 0.05"),
    (["--wta-rate", "1.5"], "--wta-rate 1.5 must be a number above 0 and at most 1"),
    (["--filters", ""], "--filters '' must be whole numbers separated by commas, each from 1 to 1,024; "
                        "e.g. --filters 32,64"),
    (["--filters", "16,x"], "--filters 16,x must be whole numbers separated by commas"),
    (["--filters", "16,2000"], "--filters 16,2000 must be whole numbers separated by commas, each from 1 to 1,024"),
    (["--kernel-size", "0"], "--kernel-size 0 must be a whole number from 1 to 15; e.g. --kernel-size 3"),
    (["--kernel-size", "2.5"], "--kernel-size 2.5 must be a whole number from 1 to 15"),
    (["--contractive-weight", "-1"], "--contractive-weight -1 must be a number from 0 to 1,000; "
                                     "e.g. --contractive-weight 0.1"),
])
def test_a_value_outside_the_bounds_is_one_line_naming_the_limit_and_an_example(argv, said, capsys):
    assert cli.main(["train", "--dataset", "digits", *argv]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert said in lines[0] and lines[0].startswith("aecore train: error: "), err
    assert lines[-1] == "see `aecore train --help`" and "Traceback" not in err


@pytest.mark.slow
def test_more_filter_layers_than_the_images_can_halve_fails_before_training(tmp_path, capsys):
    out = tmp_path / "too-deep"
    status = cli.main(["train", "--dataset", "digits", "--kind", "conv", "--filters", "4,4,4,4",
                       *TINY, "--out", str(out)])
    err = capsys.readouterr().err
    assert status != 0 and not out.exists(), err
    assert "filters has 4 layers, but images of 8x8 can be halved only 3 times" in err, err
    assert "Traceback" not in err


@pytest.mark.slow
def test_the_command_line_trains_a_vae_with_the_beta_given_and_saves_it(tmp_path, capsys):
    from aecore.runs.loading import load_run

    out = tmp_path / "beta-vae"
    assert cli.main(["train", "--dataset", "digits", "--kind", "vae", "--kl-weight", "4", *TINY,
                     "--out", str(out)]) == 0
    reducer, info = load_run(out)
    assert info.config.kl_weight == 4.0 and reducer.autoencoder_.kl_weight == 4.0
