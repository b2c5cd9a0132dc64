"""Post 003's use case: compress a network's embeddings with an autoencoder before KMeans.

The post says autoencoders compress ResNet / BERT outputs before clustering. No ResNet or BERT
is available offline, so this example makes a comparable bank in-process: a small CNN classifier
is trained on half of the MNIST sample's training split, and its 128-d penultimate (Dense, ReLU)
activations on rows it never saw become the bank. KMeans(10) then clusters the bank raw, after
PCA to 10 dims and after ``AutoencoderReducer(n_components=10)`` (defaults), each scored against
the digit labels, which are kept aside for scoring only.

Run: ``python -m examples.embeddings`` (about 2 minutes on 2 CPU cores) or ``--quick``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).with_name("results_embeddings.json")
SPACES = ("raw", "pca", "ae")
LABELS = {"raw": "raw embeddings (128-d)", "pca": "standardised → PCA-10",
          "ae": "standardised → AutoencoderReducer-10"}


def split_rows(ds, seed: int = 0):
    """Rows that train the CNN (half the training split) and the bank (the other half + test)."""
    from sklearn.model_selection import train_test_split as sk_split

    from aecore.data.datasets import train_test_split

    train, test = train_test_split(ds, 0.2, seed=0)
    fit_rows, held_rows = sk_split(train, test_size=0.5, random_state=seed, stratify=ds.y[train])
    return np.sort(fit_rows), np.sort(np.r_[held_rows, test])


def make_bank(n_train: int | None = None, n_bank: int | None = None, epochs: int = 3, seed: int = 0):
    """Train the CNN on half of the training split; embed the rows it never saw.

    Returns ``(embeddings, labels, info)``. The MNIST sample is sorted by digit, so the training
    split is halved with a seeded, stratified shuffle (its literal first half holds digits 0-4).
    """
    import keras
    from keras import layers

    from aecore.data.datasets import load_dataset

    ds = load_dataset("mnist_sample")
    fit_rows, bank_rows = split_rows(ds, seed)
    rng = np.random.default_rng(seed)
    if n_train is not None and n_train < len(fit_rows):
        fit_rows = rng.choice(fit_rows, n_train, replace=False)
    if n_bank is not None and n_bank < len(bank_rows):
        bank_rows = np.sort(rng.choice(bank_rows, n_bank, replace=False))
    images = ds.X.reshape(-1, 28, 28, 1)

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((28, 28, 1))
    h = layers.Conv2D(32, 3, activation="relu")(inputs)
    h = layers.MaxPooling2D()(h)
    h = layers.Conv2D(64, 3, activation="relu")(h)
    h = layers.MaxPooling2D()(h)
    h = layers.Flatten()(h)
    embedding = layers.Dense(128, activation="relu", name="embedding")(h)
    outputs = layers.Dense(10, activation="softmax")(embedding)
    classifier = keras.Model(inputs, outputs)
    classifier.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    classifier.fit(images[fit_rows], ds.y[fit_rows], epochs=epochs, batch_size=64, verbose=0)
    train_seconds = time.perf_counter() - start
    embedder = keras.Model(inputs, embedding)
    bank = np.asarray(embedder.predict(images[bank_rows], batch_size=256, verbose=0), np.float64)
    probs = classifier.predict(images[bank_rows], batch_size=256, verbose=0)
    info = {"classifier_rows": int(len(fit_rows)), "bank_rows": int(len(bank_rows)),
            "classifier_epochs": epochs, "classifier_seconds": round(train_seconds, 1),
            "classifier_accuracy_on_bank": float(np.mean(probs.argmax(1) == ds.y[bank_rows])),
            "dead_units": int(np.sum(bank.std(axis=0) == 0))}
    return bank, ds.y[bank_rows], info


def cluster_space(space: str, bank, labels, seed: int, ae_params: dict | None = None) -> dict:
    """Reduce ``bank`` in one space (timed with KMeans) and score the KMeans(10) clusters."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    from aecore import AutoencoderReducer
    from aecore.metrics import cluster_scores

    start = time.perf_counter()
    if space == "raw":
        Z = bank
    else:
        scaled = StandardScaler().fit_transform(bank)
        if space == "pca":
            Z = PCA(n_components=10, random_state=seed).fit_transform(scaled)
        else:
            reducer = AutoencoderReducer(n_components=10, random_state=seed, **(ae_params or {}))
            Z = reducer.fit_transform(scaled)
    clusters = KMeans(10, n_init=10, random_state=seed).fit_predict(Z)
    seconds = time.perf_counter() - start
    scores = cluster_scores(Z, clusters, y_true=labels)
    return {"acc": scores["acc"], "nmi": scores["nmi"], "ari": scores["ari"],
            "silhouette": scores["silhouette"], "seconds": seconds}


def run(seeds=(0, 1, 2), n_train=None, n_bank=None, cnn_epochs: int = 3, ae_params=None) -> dict:
    """The whole experiment; returns the results dict that ``main`` prints and saves."""
    bank, labels, info = make_bank(n_train, n_bank, cnn_epochs)
    per_seed = {space: [cluster_space(space, bank, labels, s, ae_params) for s in seeds]
                for space in SPACES}
    summary = {}
    for space, rows in per_seed.items():
        summary[space] = {}
        for key in ("acc", "nmi", "ari", "silhouette", "seconds"):
            values = np.array([r[key] for r in rows])
            summary[space][key] = {"mean": float(values.mean()), "min": float(values.min()),
                                   "max": float(values.max())}
    return {"bank": info, "seeds": list(seeds), "ae_params": ae_params or "defaults",
            "per_seed": per_seed, "summary": summary}


def markdown_table(result: dict) -> str:
    """Mean ± half the range over the seeds, one row per space."""
    def cell(stats, digits=3):
        half = (stats["max"] - stats["min"]) / 2
        return f"{stats['mean']:.{digits}f} ± {half:.{digits}f}"

    lines = ["| KMeans(10) on | ACC | NMI | ARI | seconds (reduce + KMeans) |",
             "|---|---|---|---|---|"]
    for space in SPACES:
        s = result["summary"][space]
        lines.append(f"| {LABELS[space]} | {cell(s['acc'])} | {cell(s['nmi'])} | {cell(s['ari'])} "
                     f"| {cell(s['seconds'], 1)} |")
    return "\n".join(lines)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small smoke run: 600 CNN rows, 600 bank rows, 1 epoch, 1 seed")
    parser.add_argument("--seeds", type=int, default=3, help="reducer / KMeans seeds (default 3)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args(argv)
    if args.quick:
        result = run(seeds=(0,), n_train=600, n_bank=600, cnn_epochs=1, ae_params={"epochs": 5})
    else:
        result = run(seeds=tuple(range(args.seeds)))
    bank = result["bank"]
    print(f"Bank: {bank['bank_rows']} x 128 CNN embeddings of digits the classifier never saw "
          f"(classifier: {bank['classifier_rows']} rows, {bank['classifier_epochs']} epochs, "
          f"accuracy on the bank {bank['classifier_accuracy_on_bank']:.3f}).\n")
    print(markdown_table(result))
    if not args.quick or args.out != RESULTS:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nWrote {args.out}")
    return result


if __name__ == "__main__":
    main()
