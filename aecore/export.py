"""Save a trained reducer as weights plus a JSON config, and rebuild it from them in code.

Model files are never unpickled or deserialised as architectures: the architecture comes from
our own builders and only the weight arrays are read, so a foreign file cannot run code.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile

import numpy as np

from .presets import TrainConfig

FORMAT = "aecore-weights-v1"


def to_zip_bytes(reducer, config: TrainConfig, dataset_name: str, metrics: dict | None = None) -> bytes:
    """A ZIP holding ``config.json`` and ``model.weights.h5`` of a fitted reducer."""
    manifest = {"format": FORMAT, "dataset": dataset_name, "config": config.to_dict(),
                "n_features": int(reducer.n_features_in_),
                "image_shape": list(reducer.architecture_.image_shape or []) or None,
                "output_activation": reducer.output_activation_,
                "history": reducer.history_, "metrics": metrics or {}}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.weights.h5")
        reducer.autoencoder_.save_weights(path)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("config.json", json.dumps(manifest, indent=2))
            archive.write(path, "model.weights.h5")
    return buffer.getvalue()


def codes_csv(codes: np.ndarray, labels: np.ndarray | None = None) -> bytes:
    """Latent codes as CSV text (one row per sample, ``z1..zk`` and an optional label)."""
    header = ",".join([f"z{i + 1}" for i in range(codes.shape[1])] + (["label"] if labels is not None else []))
    body = codes if labels is None else np.column_stack([codes, labels])
    out = io.StringIO()
    np.savetxt(out, body, delimiter=",", header=header, comments="", fmt="%.6g")
    return out.getvalue().encode()


def npy_bytes(array: np.ndarray) -> bytes:
    """An array as .npy bytes (no pickle)."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()
