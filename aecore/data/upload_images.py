"""Image uploads: a person's ZIP of PNG/JPEG images turned into a :class:`~aecore.data.datasets.Dataset`.

This module owns everything between the bytes of a ZIP and grayscale images scaled to 0-1: the
caps on a ZIP (files, pixels per image, unpacked bytes, formats), refusing paths that leave the
archive, reading every image's size from its header before any pixel is decoded, the decode
budget of :class:`~aecore.budget.Budget`, decoding and resizing with its progress callback,
folder names as labels, and the notes that say which files were skipped and why.
:func:`read_image_zip` is its entry point; :func:`aecore.data.uploads.read_upload` calls it for
``.zip`` files. Nothing here writes to disk.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from typing import Callable

import numpy as np

from ..budget import Budget, resolve
from .datasets import Dataset, _images_dataset
from .upload_limits import MIN_ROWS, _check_size, _short

#: Caps on a ZIP of images, in one place so the app can state them (the decoded pixels in all
#: are a limit of :class:`aecore.budget.Budget`).
MAX_IMAGES = 20_000
MAX_IMAGE_PIXELS = 4096 * 4096
#: What an uploaded ZIP of images may unpack to.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
IMAGE_FORMATS = ("PNG", "JPEG")


def _png_size(head: bytes) -> tuple[int, int] | None:
    """Width and height declared in a PNG's IHDR chunk, read without Pillow."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR" and len(head) >= 24:
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    return None


def _too_large() -> str:
    return f"too large to decode safely (over {MAX_IMAGE_PIXELS:,} pixels)"


def _skipped_text(skipped: list[tuple[str, str, tuple[int, int] | None]]) -> str:
    """Skipped files grouped by reason, a few names each (with their size when known)."""
    groups: dict[str, list[str]] = {}
    for name, reason, shape in skipped:
        groups.setdefault(reason, []).append(_short(name, 40) + (f" {shape[0]}x{shape[1]}" if shape else ""))
    return "; ".join(f"{len(names)} {reason}: {', '.join(names[:3])}"
                     + (f" and {len(names) - 3} more" if len(names) > 3 else "")
                     for reason, names in groups.items())


def _image_size(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple[int, int] | None, str | None]:
    """One member's declared (width, height), read from its header without decoding a pixel, and
    the reason it will be skipped (None when it will be decoded)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with archive.open(info) as stream:
            declared = _png_size(stream.read(24))
            if declared is None:
                stream.seek(0)
                try:
                    # Image.open reads the header only; no pixel is decoded here.
                    with Image.open(stream, formats=list(IMAGE_FORMATS)) as img:
                        declared = img.size
                except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                    return None, _too_large()
                except UnidentifiedImageError:
                    return None, "not PNG or JPEG images"
                except Exception:  # Pillow raises many types for a damaged header; all mean the same here.
                    return None, "damaged image headers"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, NotImplementedError):
        return None, "damaged inside the ZIP"
    if declared[0] * declared[1] > MAX_IMAGE_PIXELS:
        return declared, _too_large()
    return declared, None


def _decode_image(raw: bytes, size: int) -> np.ndarray | None:
    """One image, already checked from its header, as a grayscale ``size`` x ``size`` uint8 array
    (None when its data is damaged)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(raw), formats=list(IMAGE_FORMATS)) as img:
            img.draft("L", (size, size))  # JPEG decodes at a reduced scale: cheaper.
            gray = img.convert("L").resize((size, size), Image.Resampling.BILINEAR)
            return np.asarray(gray, dtype=np.uint8)
    except Exception:  # Truncated data surfaces as OSError, SyntaxError, zlib errors, ...
        return None


def read_image_zip(data: bytes, name: str = "images", size: int = 28, *, budget: Budget | None = None,
                   progress: Callable[[int, int], None] | None = None) -> Dataset:
    """Read a ZIP of PNG/JPEG images into grayscale ``size`` x ``size`` images scaled to 0-1.

    A folder name inside the archive (``cats/001.png``) becomes the label. Names that try to
    leave the archive (``../x.png``, absolute paths) are refused; nothing is written to disk.

    Every image's size is read from its header before any image is decoded: images over
    :data:`MAX_IMAGE_PIXELS` are skipped, and an archive whose other images hold more pixels in
    all than ``budget`` allows (default :meth:`Budget.default`) is refused. Skipped and unreadable
    files are reported in ``notes``.

    ``progress(done, total)``, when given, is called before each image is decoded. Whatever it
    raises stops the decoding and propagates: the app's progress bar is where Streamlit stops a
    script when a person presses Stop or leaves.
    """
    budget = resolve(budget)
    _check_size(data, "ZIP file")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValueError("This is not a valid ZIP archive; zip a folder of PNG or JPEG images.") from exc
    images, labels, skipped, sizes = [], [], [], set()
    with archive:
        for info in archive.infolist():
            member = info.filename.replace("\\", "/")
            if (member.startswith("/") or ".." in member.split("/")
                    or (len(member) > 1 and member[1] == ":")):
                raise ValueError(f"The ZIP contains an unsafe path {_short(info.filename, 60)} (it "
                                 "points outside the archive); refusing the archive. Zip the images "
                                 "from inside their folder.")
        members = [i for i in archive.infolist() if not i.is_dir()
                   and not os.path.basename(i.filename).startswith(".") and "__MACOSX" not in i.filename]
        if not members:
            raise ValueError("The ZIP archive is empty (no files in it); add PNG or JPEG images.")
        if len(members) > MAX_IMAGES:
            raise ValueError(f"The ZIP holds {len(members):,} files; the limit is {MAX_IMAGES:,}.")
        unpacked = sum(i.file_size for i in members)
        if unpacked > MAX_UNZIPPED_BYTES:
            raise ValueError(f"The ZIP unpacks to {unpacked / 1e6:,.0f} MB; the limit is "
                             f"{MAX_UNZIPPED_BYTES / 1e6:.0f} MB. Zip fewer or smaller images.")
        to_decode = []
        for info in members:
            declared, reason = _image_size(archive, info)
            if reason is None:
                to_decode.append((info, declared))
            else:
                skipped.append((info.filename, reason, declared))
        budget.check_decode(sum(width * height for _, (width, height) in to_decode), "images in the ZIP")
        for done, (info, declared) in enumerate(to_decode):
            if progress is not None:
                progress(done, len(to_decode))
            try:
                image = _decode_image(archive.read(info), size)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, NotImplementedError):
                skipped.append((info.filename, "damaged inside the ZIP", None))
                continue
            if image is None:
                skipped.append((info.filename, "truncated or damaged images", declared))
                continue
            images.append(image)
            sizes.add(declared)
            folder = os.path.dirname(info.filename.replace("\\", "/"))
            labels.append(folder.split("/")[-1] if folder else "")
    skipped_text = _skipped_text(skipped)
    if len(images) < MIN_ROWS:
        raise ValueError(f"Found {len(images)} readable PNG/JPEG image(s) in the ZIP; at least "
                         f"{MIN_ROWS} are needed."
                         + (f" Skipped {len(skipped)} file(s): {skipped_text}." if skipped else ""))
    notes = [f"{len(images)} images converted to grayscale and resized to {size}x{size}."]
    if len(sizes) > 1:
        shown = ", ".join(f"{w}x{h}" for w, h in sorted(sizes)[:4])
        notes.append(f"The images came in {len(sizes)} different sizes ({shown}"
                     f"{' ...' if len(sizes) > 4 else ''}); all were resized to {size}x{size}.")
    if skipped:
        notes.append(f"Skipped {len(skipped)} file(s): {skipped_text}.")
    y = label_names = None
    if len(set(labels)) > 1:
        label_names = sorted(set(labels))
        y = np.array([label_names.index(v) for v in labels], dtype=np.int64)
    ds = _images_dataset(name, np.stack(images), y, notes)
    ds.label_names = label_names
    return ds
