"""Upload parsing of ZIPs of PNG/JPEG images, good files and bad ones."""

import io
import zipfile

import numpy as np
import pytest

from aecore.data import upload_images
from tests.builders import png_declaring


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _png(size=(10, 12), value=128) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", size, value).save(buffer, format="PNG")
    return buffer.getvalue()


def test_image_zip_with_folders_as_labels():
    files = {f"{cls}/{i}.png": _png(value=40 * i) for cls in ("cats", "dogs") for i in range(6)}
    files["notes.txt"] = b"not an image"
    ds = upload_images.read_image_zip(_zip(files), size=16)
    assert ds.X.shape == (12, 256) and ds.label_names == ["cats", "dogs"]
    assert any("Skipped 1" in n for n in ds.notes)


def _noise_png(size=(64, 64), seed=0) -> bytes:
    from PIL import Image

    pixels = np.random.default_rng(seed).integers(0, 256, size[::-1], dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header is patched to declare width x height pixels."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (16, 16), 100).save(buffer, format="JPEG")
    raw = bytearray(buffer.getvalue())
    sof = raw.index(b"\xff\xc0")
    raw[sof + 5:sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(raw)


@pytest.mark.parametrize("files,message", [
    ({}, "ZIP archive is empty"),
    ({"../evil.png": _png()}, "unsafe path '../evil.png'"),
    ({"a/../../evil.png": _png()}, "unsafe path"),
    ({"/abs.png": _png()}, "unsafe path"),
    ({"C:/windows/abs.png": _png()}, "unsafe path"),
    ({"..\\evil.png": _png()}, "unsafe path"),
    ({f"{i}.png": b"\x89PNG truncated" for i in range(12)}, "0 readable"),
    ({f"{i}.txt": b"hello" for i in range(12)}, "0 readable.*12 not PNG or JPEG images: '0.txt'"),
    ({f"{i}.png": _noise_png(seed=i)[:400] for i in range(12)}, "0 readable.*12 truncated or damaged images"),
    ({f"{i}.png": png_declaring(30_000, 30_000) for i in range(12)},
     "0 readable.*12 too large to decode safely \\(over 16,777,216 pixels\\): '0.png' 30000x30000"),
    ({f"{i}.jpg": _jpeg_declaring(30_000, 30_000) for i in range(12)}, "0 readable.*12 too large to decode safely"),
    ({f"{i}.jpg": _jpeg_declaring(5_000, 5_000) for i in range(12)}, "too large to decode safely.*5000x5000"),
])
def test_bad_image_zips(files, message):
    with pytest.raises(ValueError, match=message):
        upload_images.read_image_zip(_zip(files))


def test_huge_images_are_never_decoded(monkeypatch):
    """Declared-huge images are skipped from their header: Pillow never loads their pixels."""
    from PIL import ImageFile

    decoded = []
    real_load = ImageFile.ImageFile.load

    def spy_load(self):
        decoded.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy_load)
    files = {f"ok/{i}.png": _png(value=20 * i) for i in range(10)}
    files.update({"bomb/png.png": png_declaring(30_000, 30_000),
                  "bomb/jpeg.jpg": _jpeg_declaring(30_000, 30_000),
                  "bomb/big.jpg": _jpeg_declaring(5_000, 5_000)})
    ds = upload_images.read_image_zip(_zip(files))
    assert ds.n_samples == 10
    assert decoded and all(size == (10, 12) for size in decoded), decoded
    assert any("Skipped 3" in n and "30000x30000" in n for n in ds.notes), ds.notes


def test_image_zip_mixed_sizes_are_resized_with_a_note():
    files = {f"{i}.png": _png(size=(10, 12) if i % 2 else (30, 20), value=20 * i) for i in range(12)}
    ds = upload_images.read_image_zip(_zip(files), size=16)
    assert ds.X.shape == (12, 256) and ds.image_shape == (16, 16)
    assert any("2 different sizes (10x12, 30x20)" in n and "resized to 16x16" in n for n in ds.notes)


def test_image_zip_unpacking_too_much_is_refused(monkeypatch):
    monkeypatch.setattr(upload_images, "MAX_UNZIPPED_BYTES", 1000)
    with pytest.raises(ValueError, match="unpacks to"):
        upload_images.read_image_zip(_zip({f"{i}.png": _noise_png(seed=i) for i in range(12)}))


def test_not_a_zip():
    with pytest.raises(ValueError, match="not a valid ZIP"):
        upload_images.read_image_zip(b"hello world")
