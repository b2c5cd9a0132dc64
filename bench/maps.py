"""Issue #3: how faithful are 2-D maps of the MNIST sample? Trustworthiness and kNN accuracy of
AE-2D, PCA, t-SNE, UMAP and AE(10) -> UMAP, with seconds, PCA as the baseline. Issue 35: what the
Latent space page's map settings (t-SNE's perplexity, UMAP's n_neighbors) cost in faithfulness on the
shipped demo's codes, the default as the baseline."""

from __future__ import annotations

from aecore import AutoencoderReducer
from aecore.data.datasets import load_mnist_sample
from aecore.metrics import knn_accuracy, trustworthiness
from aecore.maps.map_settings import defaults
from aecore.maps.projection import project, warm_up_umap
from bench.harness.data import subset
from bench.harness.report import row, timer

GROUP = "2-D maps (MNIST sample)"
SETTINGS_GROUP = "Map settings (the demo's codes of the MNIST sample)"
#: The settings measured: (method, setting, values); each method's default is among them.
SETTINGS_MEASURED = (("tsne", "perplexity", (5.0, 15.0, 30.0, 100.0)), ("umap", "n_neighbors", (5, 15, 50)))


def run(quick: bool = False) -> list[dict]:
    return map_rows(quick) + settings_rows(quick)


def settings_rows(quick: bool = False) -> list[dict]:
    """Trustworthiness (against the codes and the pixels, k=10) and kNN accuracy of the t-SNE and
    UMAP maps of the shipped demo ``mnist-recommended``'s codes at each setting, with seconds."""
    from aecore.budget import Budget
    from aecore.runs import demo

    ds = load_mnist_sample()
    rows_used = subset(ds.n_samples, 2000 if quick else ds.n_samples)
    X, y = ds.X[rows_used], ds.y[rows_used]
    reducer, _ = demo.load(demo.DEMO_DIR / "mnist-recommended")
    codes = reducer.transform(X)
    warm_up_umap(n_samples=len(codes), n_features=codes.shape[1])
    size = f"{len(codes):,} codes of size {codes.shape[1]}"
    out = []
    for method, name, values in SETTINGS_MEASURED:
        scores = {}
        for value in values:
            with timer() as t:
                # Unlimited: the app's budget embeds fewer rows at perplexity 100 (and places the rest).
                points = project(codes, method, budget=Budget.unlimited(), **{name: value})
            scores[value] = (trustworthiness(codes, points), trustworthiness(X, points), knn_accuracy(points, y), t())
        base = scores[defaults(method)[name]]
        label = {"tsne": "t-SNE", "umap": "UMAP"}[method]
        for value, (trust_codes, trust_pixels, knn, seconds) in scores.items():
            what = f"{label} {name}={value:g}"
            out.append(row(SETTINGS_GROUP, f"{what}: trustworthiness vs codes (k=10)", trust_codes,
                           baseline=base[0], baseline_name="default", note=size))
            out.append(row(SETTINGS_GROUP, f"{what}: trustworthiness vs pixels (k=10)", trust_pixels,
                           baseline=base[1], baseline_name="default", note="what the Latent page shows"))
            out.append(row(SETTINGS_GROUP, f"{what}: kNN accuracy (k=5, 5-fold)", knn, baseline=base[2],
                           baseline_name="default", note=size))
            out.append(row(SETTINGS_GROUP, f"{what}: seconds", seconds, unit="s", baseline=base[3],
                           baseline_name="default", note="one thread, after UMAP's warm-up"))
    return out


def map_rows(quick: bool = False) -> list[dict]:
    ds = load_mnist_sample()
    rows_used = subset(ds.n_samples, 2000 if quick else ds.n_samples)
    X, y = ds.X[rows_used], ds.y[rows_used]

    # UMAP compiles numba code once per process; pay it up front so the timings below are the
    # ones a person sees after the app's warm-up.
    warm_up = warm_up_umap(n_samples=len(X), n_features=10)

    maps, seconds = {}, {}
    for name, make in (("PCA", lambda: project(X, "pca")),
                       ("AE-2D", lambda: AutoencoderReducer(n_components=2, random_state=0).fit(X).transform(X)),
                       ("t-SNE", lambda: project(X, "tsne")), ("UMAP", lambda: project(X, "umap"))):
        with timer() as t:
            maps[name] = make()
        seconds[name] = t()
    with timer() as t:
        codes = AutoencoderReducer(n_components=10, random_state=0).fit_transform(X)
    ae10_seconds = t()
    with timer() as t:
        maps["AE(10) -> UMAP"] = project(codes, "umap")
    umap_on_codes = t()
    seconds["AE(10) -> UMAP"] = ae10_seconds + umap_on_codes

    scores = {name: (trustworthiness(X, points, n_neighbors=10), knn_accuracy(points, y))
              for name, points in maps.items()}
    base_trust, base_knn = scores["PCA"]
    size = f"{len(X):,} digits"
    out = []
    for name, (trust, knn) in scores.items():
        out.append(row(GROUP, f"{name}: trustworthiness (k=10)", trust, baseline=base_trust,
                       baseline_name="PCA", target="UMAP and t-SNE >= 0.90",
                       note=f"{size}; vs raw pixels, on <= 2,000 rows"))
        out.append(row(GROUP, f"{name}: kNN accuracy (k=5, 5-fold)", knn, baseline=base_knn,
                       baseline_name="PCA", target="above PCA", note=size))
        out.append(row(GROUP, f"{name}: seconds", seconds[name], unit="s", target="",
                       note="includes the autoencoder's fit" if name.startswith("AE") else size))
    out.append(row(GROUP, "UMAP warm-up (numba compilation, once per process)", warm_up, unit="s",
                   note=f"warm_up_umap({len(X)}, 10); UMAP of the 10-d codes afterwards: "
                        f"{umap_on_codes:.1f} s"))
    return out
