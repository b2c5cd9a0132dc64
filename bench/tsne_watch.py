"""Issue #35: t-SNE you watch converge. On the demo model's codes of the MNIST sample (5,000 rows,
the Latent space page's default): the time of the plain map (:func:`aecore.maps.projection.project`)
against the same map keeping 15 checkpoints (:func:`aecore.maps.tsne_steps.tsne_checkpoints`, its
callbacks every 10 iterations), alternated so that both see the same load; the KL divergence at
each checkpoint; the size of the shipped checkpoints file. Results: BENCHMARKS.md, section
"t-SNE you watch converge".

Usage: ``python -m bench.tsne_watch [--repeats N]`` (about a minute a repeat on 2 cores).
"""

from __future__ import annotations

import sys
import time

import numpy as np


def measure(repeats: int = 2) -> dict:
    from aecore.data.datasets import load_mnist_sample
    from aecore.maps import tsne_steps
    from aecore.maps.projection import project
    from aecore.runs import demo

    reducer, _ = demo.load(demo.DEMO_DIR / demo.TSNE_DEMO)
    codes = reducer.transform(load_mnist_sample().X)
    plain, watched = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        embedding = project(codes, "tsne")
        plain.append(time.perf_counter() - started)
        started = time.perf_counter()
        steps = tsne_steps.tsne_checkpoints(codes)
        watched.append(time.perf_counter() - started)
    shipped = demo.DEMO_DIR / demo.TSNE_DEMO / demo.TSNE_CHECKPOINTS_FILE
    return {"rows": len(codes), "plain_seconds": plain, "checkpoints_seconds": watched,
            "last_is_the_map": bool(np.array_equal(steps.points[-1], embedding)),
            "iterations": steps.iterations.tolist(), "kl": [round(float(v), 3) for v in steps.kl_divergence],
            "memory_bytes": tsne_steps.checkpoint_bytes(steps.n_frames, steps.n_rows),
            "shipped_bytes": shipped.stat().st_size if shipped.is_file() else None}


if __name__ == "__main__":
    repeats = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 2
    for name, value in measure(repeats).items():
        print(f"{name}: {value}")
