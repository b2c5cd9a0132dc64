"""Codes in TensorBoard Embedding Projector's format, and as Parquet.

:func:`projector_files` makes the files the Projector (https://projector.tensorflow.org, or
TensorBoard's Projector tab) opens: ``tensors.tsv`` (one row of codes per sample),
``metadata.tsv`` (label and row number, with a header), ``sprite.png`` (one thumbnail per sample,
in row order, for image data) and ``projector_config.pbtxt`` tying them together; plus
``codes.parquet`` (codes, label, row). :func:`write_projector` writes them into a folder. The
command line's ``aecore export RUN --projector OUT/`` uses it.
"""

from __future__ import annotations

import io
import math
import os
from typing import Optional

import numpy as np

#: Largest sprite the Projector loads, in pixels per side.
MAX_SPRITE_SIDE = 8192
#: Rows exported by default: the Projector stays responsive in a browser up to about this many.
DEFAULT_MAX_ROWS = 10_000
#: Most code values (rows x components) one export writes: its TSV is formatted value by value in
#: Python, about 1 s per 250,000 values with the ZIP (10,000 rows of 249 codes took 7.7 s in issue
#: 29's download measurements); wide codes export fewer rows (:func:`export_rows`).
MAX_VALUES = 250_000
TENSORS_FILE, METADATA_FILE, SPRITE_FILE, CONFIG_FILE, PARQUET_FILE = (
    "tensors.tsv", "metadata.tsv", "sprite.png", "projector_config.pbtxt", "codes.parquet")


def choose_rows(n_rows: int, max_rows: int, seed: int = 0) -> np.ndarray:
    """All row numbers, or a seeded random ``max_rows`` of them in increasing order."""
    if max_rows < 1:
        raise ValueError(f"max_rows={max_rows} must be at least 1, e.g. {DEFAULT_MAX_ROWS}.")
    if n_rows <= max_rows:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, max_rows, replace=False))


def export_rows(n_rows: int, n_components: int, max_rows: int = DEFAULT_MAX_ROWS,
                max_values: int = MAX_VALUES) -> int:
    """How many rows an export of ``n_rows`` codes of ``n_components`` values keeps: at most
    ``max_rows``, and at most ``max_values`` values in all."""
    return max(1, min(int(n_rows), int(max_rows), int(max_values) // max(1, int(n_components))))


def check_sprite(n: int, image_shape: tuple[int, int]) -> int:
    """The sprite's thumbnails per side for ``n`` images; ``ValueError`` when the grid would exceed
    :data:`MAX_SPRITE_SIDE` pixels a side. Cheap: call it before encoding anything."""
    height, width = (int(v) for v in image_shape)
    side = max(1, math.ceil(math.sqrt(n)))
    if side * max(height, width) > MAX_SPRITE_SIDE:
        most = (MAX_SPRITE_SIDE // max(height, width)) ** 2
        raise ValueError(f"A sprite of {n} images of {height}x{width} would be "
                         f"{side * width}x{side * height} pixels; the Projector loads at most "
                         f"{MAX_SPRITE_SIDE} a side. Export at most {most} rows (--max-rows {most}).")
    return side


def check_folder(folder, overwrite: bool = False) -> None:
    """``ValueError`` unless the export's files may be written into ``folder``: not a file, and
    none of them already there unless ``overwrite``."""
    folder = os.fspath(folder)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ValueError(f"--projector {folder!r} is a file; give a folder path.")
    clashes = [name for name in (TENSORS_FILE, METADATA_FILE, SPRITE_FILE, CONFIG_FILE, PARQUET_FILE)
               if os.path.exists(os.path.join(folder, name))]
    if clashes and not overwrite:
        raise ValueError(f"--projector {folder!r} already holds {', '.join(clashes)}; choose an empty "
                         "folder or pass --overwrite.")


def sprite_png(images: np.ndarray, image_shape: tuple[int, int]) -> bytes:
    """One PNG of thumbnails in a square grid, row-major in row order (the Projector's layout).

    ``images`` are rows of grayscale pixels in 0-1 (clipped); dark ink on white, like MNIST in
    print. ``ValueError`` when the grid would exceed :data:`MAX_SPRITE_SIDE` pixels a side.
    """
    from PIL import Image

    height, width = (int(v) for v in image_shape)
    n = len(images)
    side = check_sprite(n, image_shape)
    grid = np.ones((side * height, side * width), dtype=np.float32)
    pixels = np.clip(np.asarray(images, dtype=np.float32).reshape(n, height, width), 0.0, 1.0)
    for i in range(n):
        r, c = divmod(i, side)
        grid[r * height:(r + 1) * height, c * width:(c + 1) * width] = 1.0 - pixels[i]
    buffer = io.BytesIO()
    Image.fromarray(np.rint(grid * 255).astype(np.uint8), mode="L").save(buffer, format="PNG",
                                                                          optimize=True)
    return buffer.getvalue()


def projector_files(codes: np.ndarray, labels: Optional[np.ndarray] = None, rows: Optional[np.ndarray] = None,
                    images: Optional[np.ndarray] = None, image_shape: Optional[tuple[int, int]] = None,
                    label_names: Optional[list[str]] = None) -> dict[str, bytes]:
    """The Projector's files (and ``codes.parquet``) as ``{file name: bytes}``.

    Parameters
    ----------
    codes : ndarray of shape (n, k)
    labels : ndarray of shape (n,), optional
        Integer labels (shown through ``label_names`` when given).
    rows : ndarray of shape (n,), optional
        The samples' row numbers in their dataset (default 0..n-1).
    images, image_shape : optional
        Grayscale rows in 0-1 and their ``(height, width)``: adds ``sprite.png``.
    label_names : list of str, optional
    """
    codes = np.asarray(codes, dtype=np.float32)
    if codes.ndim != 2 or len(codes) == 0:
        raise ValueError(f"codes have shape {codes.shape}; expected (n_samples >= 1, n_components).")
    n = len(codes)
    rows = np.arange(n) if rows is None else np.asarray(rows)
    if len(rows) != n or (labels is not None and len(labels) != n) or (images is not None and len(images) != n):
        raise ValueError(f"codes ({n} rows), labels, rows and images must have one entry per sample.")
    shown = (["" for _ in range(n)] if labels is None else
             [label_names[int(v)] if label_names and 0 <= int(v) < len(label_names) else str(v) for v in labels])
    shown = [s.replace("\t", " ").replace("\n", " ") for s in shown]
    files = {
        TENSORS_FILE: "".join("\t".join(f"{v:.6g}" for v in row) + "\n" for row in codes).encode(),
        METADATA_FILE: ("label\trow\n" + "".join(f"{s}\t{int(r)}\n" for s, r in zip(shown, rows))).encode(),
    }
    config = ["embeddings {", f'  tensor_name: "codes ({codes.shape[1]}-d)"',
              f'  tensor_path: "{TENSORS_FILE}"', f'  metadata_path: "{METADATA_FILE}"']
    if images is not None and image_shape is not None:
        files[SPRITE_FILE] = sprite_png(images, image_shape)
        config += ["  sprite {", f'    image_path: "{SPRITE_FILE}"',
                   f"    single_image_dim: {int(image_shape[1])}", f"    single_image_dim: {int(image_shape[0])}",
                   "  }"]
    files[CONFIG_FILE] = ("\n".join(config + ["}"]) + "\n").encode()
    try:
        import pandas as pd

        frame = pd.DataFrame(codes, columns=[f"code_{i}" for i in range(codes.shape[1])])
        frame["label"] = shown
        frame["row"] = rows.astype(np.int64)
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        files[PARQUET_FILE] = buffer.getvalue()
    except ImportError:  # pyarrow comes with the app's dependencies; the Projector files do not need it.
        pass
    return files


def write_projector(folder, files: dict[str, bytes], overwrite: bool = False) -> list[str]:
    """Write :func:`projector_files`' output into ``folder``; refuses to replace files unless
    ``overwrite``. Returns the paths written."""
    check_folder(folder, overwrite)
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    written = []
    for name, payload in files.items():
        path = os.path.join(folder, name)
        with open(path, "wb") as f:
            f.write(payload)
        written.append(path)
    return written


def projector_zip(codes: np.ndarray, labels: Optional[np.ndarray] = None, images: Optional[np.ndarray] = None,
                  image_shape: Optional[tuple[int, int]] = None, label_names: Optional[list[str]] = None,
                  max_rows: int = DEFAULT_MAX_ROWS, seed: int = 0, max_values: int = MAX_VALUES) -> bytes:
    """:func:`projector_files` of at most ``max_rows`` seeded rows (all rows when fewer; fewer
    when the codes are wide, see :func:`export_rows`), as one ZIP: what the Latent page's download
    holds. Unzip it and load ``projector_config.pbtxt`` (or the TSV files) in the Projector."""
    import zipfile

    codes = np.asarray(codes)
    width = codes.shape[1] if codes.ndim == 2 else 1  # projector_files refuses other shapes
    rows = choose_rows(len(codes), export_rows(len(codes), width, max_rows, max_values), seed)
    if images is not None and image_shape is not None:
        check_sprite(len(rows), image_shape)
    files = projector_files(codes[rows], None if labels is None else np.asarray(labels)[rows], rows,
                            None if images is None else images[rows], image_shape, label_names)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in files.items():
            archive.writestr(name, payload)
    return buffer.getvalue()
