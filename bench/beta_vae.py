"""Issue 35: the β of a β-VAE. The convolutional VAE (preset conv_vae_2d, keras-io's shape, a 2-D code)
trained at β = 0.1, 1 and 10 on the MNIST sample, each measured on the held-out rows: reconstruction
error and the KL divergence of its codes from the prior. The settings are the shipped result's
(:mod:`aecore.experiments.beta_vae`); the section is bench/beta_vae.py in BENCHMARKS.md.

Usage: ``python -m bench.beta_vae [--quick] [--no-write]`` (full: several minutes on 2 shared cores), or
``python -m aecore bench --only beta_vae``.
"""

from __future__ import annotations

import sys

from aecore.experiments import beta_vae
from bench.harness.report import say, section, section_main, stamp_line


def measure(quick: bool, log=say) -> dict:
    """The shipped result's comparison (:func:`aecore.experiments.beta_vae.run_shipped`; quick: 2 epochs)."""
    epochs = 2 if quick else beta_vae.EPOCHS
    result = beta_vae.run_shipped(epochs, log=lambda text: log(f"[beta_vae] {text}"))
    # "seconds" is the report's own (the whole run), so each β's fit time has a name of its own.
    return {**{k: result[k] for k in ("betas", "reconstruction_mse", "kl", "epochs", "estimated_seconds", "n_train",
                                      "n_test", "sweep_seconds")}, "fit_seconds": result["seconds"], "max_epochs": epochs}


def markdown(report: dict) -> str:
    lines = ["## β-VAE: reconstruction against a smooth latent space (issue 35)", "",
             stamp_line(report, load=True), "",
             f"Preset `{beta_vae.PRESET}` (Conv2D 32, 64 with stride 2 -> Dense 16 -> a 2-D Gaussian code -> Dense "
             "7·7·64 -> Conv2DTranspose 32, 1; cross-entropy reconstruction term, Adam 1e-3, seed 0) "
             f"trained at each β on {report['n_train']:,} rows of the MNIST sample's training split (a seeded "
             f"subsample), batches of {beta_vae.BATCH_SIZE}, at most {report['max_epochs']} epochs with early stopping; "
             "measured on the "
             f"{report['n_test']:,} held-out rows: the mean squared error of the mean code's decoding, and the KL "
             "divergence of the encoder's Gaussian from N(0, I) in nats per row. The Family page's β slider shows "
             "the shipped result of the same settings (`python -m aecore.experiments.beta_vae`).", "",
             "| β | held-out MSE | KL (nats/row) | epochs | fit s |", "|---|---|---|---|---|"]
    for i, beta in enumerate(report["betas"]):
        lines.append(f"| {beta:g} | {report['reconstruction_mse'][i]:.5f} | {report['kl'][i]:.3f} | "
                     f"{report['epochs'][i]} | {report['fit_seconds'][i]:.0f} |")
    lines += ["", f"The three trainings took {report['sweep_seconds']:.0f} s; the estimate was "
              f"{report['estimated_seconds']:.0f} s (a quiet machine's speeds; see the load average).", ""]
    return section("beta_vae.py", lines)


if __name__ == "__main__":
    sys.exit(section_main("beta_vae", __doc__, lambda args: measure(args.quick), markdown, quick="2 epochs per β"))
