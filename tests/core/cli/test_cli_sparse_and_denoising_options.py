"""The sparse and denoising settings on the command line: ``aecore train`` parses and bounds them,
and trains a sparse L1 model with them."""

import pytest

from aecore.cli import parser as cli
from aecore.cli.commands import config_from_args


def _layer(reducer, name):
    """A layer of the fitted autoencoder, found inside its encoder or decoder."""
    return next(layer for model in (reducer.encoder_, reducer.decoder_) for layer in model.layers
                if layer.name == name)


def test_the_command_line_parses_the_new_options():
    args = cli.build_parser().parse_args(
        ["train", "--dataset", "digits", "--kind", "sparse", "--sparsity", "l1", "--sparsity-weight", "0.001",
         "--noise", "dropout", "--noise-level", "0.2", "--sparsity-target", "0.05"])
    config = config_from_args(args)
    assert (config.kind, config.sparsity, config.sparsity_weight, config.noise, config.noise_level,
            config.sparsity_target) == ("sparse", "l1", 0.001, "dropout", 0.2, 0.05)
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["train", "--dataset", "digits", "--sparsity", "l2"])
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["train", "--dataset", "digits", "--sparsity-target", "1"])


@pytest.mark.slow
def test_the_command_line_trains_a_sparse_l1_model(tmp_path, capsys):
    from aecore.runs.loading import load_run

    out = tmp_path / "sparse-l1"
    assert cli.main(["train", "--dataset", "digits", "--kind", "sparse", "--sparsity", "l1",
                     "--sparsity-weight", "0.002", "--n-components", "4", "--hidden-units", "16",
                     "--epochs", "2", "--batch-size", "64", "--seed", "0", "--out", str(out)]) == 0
    assert "saved" in capsys.readouterr().out
    reducer, info = load_run(out)
    assert reducer.n_epochs_ == 2
    assert (reducer.sparsity, reducer.sparsity_weight) == ("l1", 0.002)
    assert _layer(reducer, "sparsity_penalty").sparsity == "l1"
