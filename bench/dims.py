"""Issue 35: how many dimensions? A dense autoencoder against PCA over latent sizes (2 to 64) on the
MNIST sample's held-out rows: reconstruction error, trustworthiness and PCA's cumulative explained
variance, with the sweep's estimate against its measured time. The settings are the Family page's
and the shipped result's (:class:`aecore.experiments.dimensions.SweepSettings`); the method is
written out with the results in BENCHMARKS.md (section bench/dims.py).

Usage: ``python -m bench.dims [--quick] [--no-write]`` (full: a few minutes on 2 shared cores), or
``python -m aecore bench --only dims``.
"""

from __future__ import annotations

import sys

from aecore.experiments.dimensions import SweepSettings, run_shipped, summary
from bench.harness.report import say, section, section_main, stamp_line

QUICK = SweepSettings(sizes=(2, 16), epochs=3)


def measure(quick: bool, log=say) -> dict:
    """The shipped result's sweep (:func:`aecore.experiments.dimensions.run_shipped`; quick: 2 sizes, 3 epochs)."""
    settings = QUICK if quick else SweepSettings()
    result = run_shipped(settings, log=lambda text: log(f"[dims] {text}"))
    return {"settings": settings.as_dict(), "estimated_seconds": result["estimated_seconds"],
            "sweep_seconds": result["seconds"], "result": result}


def markdown(report: dict) -> str:
    result, settings = report["result"], report["settings"]
    ae, pca = result["autoencoder"], result["pca"]
    found = summary(result)
    lines = ["## How many dimensions? Autoencoder vs PCA over latent sizes (issue 35)",
             "", stamp_line(report, load=True), "",
             f"The MNIST sample split as every page splits it (seed 0): {result['n_train']:,} training rows, "
             f"{result['n_test']:,} held-out rows. Per latent size k, a dense autoencoder "
             f"784-{'-'.join(map(str, settings['hidden_units']))}-k (ReLU, linear code, sigmoid output, MSE, Adam "
             f"1e-3, batch {settings['batch_size']}, at most {settings['epochs']} epochs with early stopping on a "
             f"10% validation split, seed {settings['random_state']}) and PCA (full SVD) fitted on the training rows; "
             f"both scored on the held-out rows: mean squared error of the reconstructions, and trustworthiness "
             f"of the held-out rows' k-d codes against their pixels at {settings['n_neighbors']} neighbours. "
             "The Family page's \"How many dimensions?\" tab shows the shipped result of the same settings "
             "(rebuilt with `python -m aecore.experiments.dimensions`; a test retrains its k = 2 model and "
             "recomputes its PCA figures).", "",
             "| k | autoencoder MSE | PCA MSE | autoencoder / PCA | autoencoder trust. | PCA trust. | "
             "PCA cumulative explained variance | epochs | fit s |", "|---|---|---|---|---|---|---|---|---|"]
    for i, k in enumerate(result["sizes"]):
        lines.append(f"| {k} | {ae['mse'][i]:.5f} | {pca['mse'][i]:.5f} | {ae['mse'][i] / pca['mse'][i]:.2f} | "
                     f"{ae['trustworthiness'][i]:.3f} | {pca['trustworthiness'][i]:.3f} | "
                     f"{pca['explained_variance'][i]:.1%} | {ae['epochs'][i]} | {ae['seconds'][i]:.0f} |")
    better = ", ".join(map(str, found["autoencoder_better"])) or "none"
    lines += ["", f"The autoencoder's held-out error is below PCA's at k = {better}"
              + (f"; PCA's is at most the autoencoder's at k = {', '.join(map(str, found['pca_better']))}"
                 if found["pca_better"] else "") + ". "
              + (f"PCA needs {found['components_for_share']} components for 90% of the variance. "
                 if found["components_for_share"] else "")
              + f"The sweep took {report['sweep_seconds']:.0f} s; the estimate stated before it started was "
              f"{report['estimated_seconds']:.0f} s (the budget's speeds are a quiet machine's; other work shared "
              "the cores: see the load average above).", ""]
    return section("dims.py", lines)


if __name__ == "__main__":
    sys.exit(section_main("dims", __doc__, lambda args: measure(args.quick), markdown,
                          quick="2 latent sizes, 3 epochs (about a minute)"))
