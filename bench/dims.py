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
import time

from aecore.experiments.dimensions import SweepSettings, check_sweep, latent_size_sweep, summary
from bench.harness.report import row, say, section_main, stamp_line

GROUP = "How many dimensions: autoencoder vs PCA (MNIST sample, held-out rows)"
QUICK = SweepSettings(sizes=(2, 16), epochs=3)


def measure(quick: bool, log=say) -> dict:
    """The sweep on the pages' split of the MNIST sample, and its estimate."""
    from aecore.data import datasets as aedata

    ds = aedata.load_dataset("mnist_sample")
    train, test = aedata.train_test_split(ds)
    settings = QUICK if quick else SweepSettings()
    estimate = check_sweep(settings, len(train), len(test), ds.n_features)
    log(f"[dims] {estimate.describe()}")
    started, logged = time.perf_counter(), set()

    def progress(phase: str, done: int, total: int) -> None:
        if phase not in logged and done % settings.epochs == 0:  # once per latent size
            logged.add(phase)
            log(f"[dims] {phase}: step {done}/{total} ({time.perf_counter() - started:.0f} s)")

    result = latent_size_sweep(ds.X[train], ds.X[test], settings, progress=progress)
    return {"settings": settings.as_dict(), "estimated_seconds": round(estimate.seconds, 1),
            "sweep_seconds": round(time.perf_counter() - started, 1), "result": result}


def rows(fields: dict) -> list[dict]:
    """One row per latent size: the autoencoder's held-out MSE against PCA's, trustworthiness in the note."""
    result = fields["result"]
    ae, pca = result["autoencoder"], result["pca"]
    found = []
    for i, k in enumerate(result["sizes"]):
        found.append(row(GROUP, f"k={k}: autoencoder held-out MSE", ae["mse"][i], baseline=pca["mse"][i],
                         baseline_name=f"PCA-{k}", target="shown honestly", note=(
                             f"trustworthiness {ae['trustworthiness'][i]:.3f} (PCA {pca['trustworthiness'][i]:.3f}); "
                             f"PCA explains {pca['explained_variance'][i]:.1%}; {ae['epochs'][i]} epochs, "
                             f"{ae['seconds'][i]:.0f} s")))
    found.append(row(GROUP, "whole sweep", fields["sweep_seconds"], unit="s", baseline=fields["estimated_seconds"],
                     baseline_name="estimate stated first", target="a few minutes"))
    return found


def markdown(report: dict) -> str:
    result, settings = report["result"], report["settings"]
    ae, pca = result["autoencoder"], result["pca"]
    found = summary(result)
    lines = ["<!-- bench/dims.py: begin -->", "## How many dimensions? Autoencoder vs PCA over latent sizes (issue 35)",
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
              "the cores: see the load average above).", "", "<!-- bench/dims.py: end -->"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    def fields(args) -> dict:
        found = measure(args.quick)
        return {**found, "rows": rows(found)}

    return section_main("dims", __doc__, fields, markdown, argv, quick="2 latent sizes, 3 epochs (about a minute)")


if __name__ == "__main__":
    sys.exit(main())
