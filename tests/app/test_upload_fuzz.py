"""Every uploader in the app, fed malformed files of every type it accepts: the Train page's data
upload (CSV/TSV, NPY, NPZ, ZIP of images), the Runs page's model ZIP, its "Encode new data" upload
and the "Your own digit" page's picture. Truncated files, deeply nested JSON, huge fields, wrong
encodings, wrong magic bytes and empty files each give a plain ``st.error`` and no exception box.

One AppTest per uploader is reused for all its files (opening a page imports TensorFlow and loads
the demo model); each file's content differs from the previous one, so each is read afresh.
"""

import io
import json
import struct
import zipfile
import zlib

import numpy as np
import pytest

from tests.builders import open_page, readable, zip_bytes

TIMEOUT = 300
CSV, BINARY, ZIP, PNG_MIME, JPEG_MIME = ("text/csv", "application/octet-stream", "application/zip",
                                        "image/png", "image/jpeg")
#: 200,000 nested lists: ``json.loads`` raises RecursionError on it.
DEEP_JSON = b"[" * 200_000 + b"]" * 200_000
#: The name of a file is shown escaped: this one would be a link and emphasis in Markdown.
MARKDOWN_NAME = "[click](http://example.com) *me*"


# --------------------------------------------------------------------------- files


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _npz(compressed: bool = False, **arrays) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def _image(array: np.ndarray, fmt: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG signature and an IHDR chunk declaring ``width`` x ``height`` pixels, and no pixels."""
    chunk = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
            + b"\0\0\0\0IEND\xaeB`\x82")


def _deflated_zip(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _bad_crc(archive: bytes) -> bytes:
    """Flip a byte in each member's data (a ZIP of stored, uncompressed members): no CRC-32 matches."""
    data = bytearray(archive)
    with zipfile.ZipFile(io.BytesIO(archive)) as members:
        for member in members.infolist():
            assert member.compress_type == zipfile.ZIP_STORED
            name_length, extra_length = struct.unpack("<HH", data[member.header_offset + 26:member.header_offset + 30])
            data[member.header_offset + 30 + name_length + extra_length + member.file_size // 2] ^= 0xFF
    return bytes(data)


def _bad_deflate(archive: bytes) -> bytes:
    """Scramble the compressed data of a deflated ZIP's first member (an invalid deflate stream)."""
    data = bytearray(archive)
    name_length, extra_length = struct.unpack("<HH", data[26:30])
    start = 30 + name_length + extra_length
    for i in range(start + 2, start + 40):
        data[i] ^= 0x55
    return bytes(data)


_rng = np.random.default_rng(0)
_TABLE = ("\n".join([",".join(f"c{j}" for j in range(8))]
                    + [",".join(map(str, _rng.integers(0, 255, 8))) for _ in range(30)]) + "\n")
_DIGIT = np.full((28, 28), 255, np.uint8)
_DIGIT[6:22, 12:16] = 0
_PNG = _image(_DIGIT, "PNG")
_JPEG = _image(_DIGIT, "JPEG")
_IMAGES = {f"im{i}.png": _image(_rng.integers(0, 255, (8, 8)).astype(np.uint8), "PNG") for i in range(12)}
_IMAGE_ZIP = zip_bytes(_IMAGES)
_NPY = _npy(_rng.random((30, 8), dtype=np.float32))
_NPZ = _npz(X=_rng.random((30, 8), dtype=np.float32))
_NPZ_COMPRESSED = _npz(compressed=True, X=_rng.random((30, 8), dtype=np.float32))

#: A field far longer than any reader allows (csv's own limit is 131,072 characters per cell).
_HUGE = 3_000_000

#: Malformed data files: case -> (file name, content, MIME type). Train page and "Encode new data".
DATA_FILES = {
    "csv empty": ("empty.csv", b"", CSV),
    "csv cut inside the header": ("cut.csv", _TABLE.encode()[:9], CSV),
    "csv utf-16 without a BOM": ("utf16.csv", _TABLE.encode("utf-16-le"), CSV),
    "csv utf-16 cut to an odd byte count": ("utf16.csv", _TABLE.encode("utf-16")[:-1], CSV),
    "csv latin-1 text cells": ("latin1.csv", ("a,b\n" + "\n".join(f"caf\xe9{i},{i}" for i in range(30))).encode("latin-1"),
                               CSV),
    "csv 3 MB cell": ("cell.csv", b"a,b\n" + b"1" * _HUGE + b",2\n" + b"3,4\n" * 20, CSV),
    "csv 3 MB header": ("header.csv", b"x" * _HUGE + b",b\n" + b"3,4\n" * 20, CSV),
    "csv nested json": ("nested.csv", DEEP_JSON, CSV),
    "csv that is a zip": ("archive.csv", _IMAGE_ZIP, CSV),
    "csv that is a png": ("picture.csv", _PNG, CSV),
    "csv named in markdown": (MARKDOWN_NAME + ".csv", b"", CSV),
    "tsv utf-16 without a BOM": ("utf16.tsv", _TABLE.replace(",", "\t").encode("utf-16-be"), CSV),
    "npy empty": ("empty.npy", b"", BINARY),
    "npy truncated": ("cut.npy", _NPY[:len(_NPY) // 2], BINARY),
    "npy cut inside the header": ("cut.npy", _NPY[:40], BINARY),
    "npy that is a png": ("picture.npy", _PNG, BINARY),
    "npy that is a zip": ("archive.npy", _IMAGE_ZIP, BINARY),
    "npy of python objects": ("objects.npy", _npy(np.array([{"a": 1}] * 30, dtype=object)), BINARY),
    "npy header nested 59,000 deep": ("nested.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", 59_014)
                                      + b"{'descr': " + b"[" * 59_003 + b"\n", BINARY),
    "npy header of 10^11 rows": ("rows.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", 118)
                                 + b"{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000, 8), }".ljust(117)
                                 + b"\n", BINARY),
    "npz empty": ("empty.npz", b"", BINARY),
    "npz truncated": ("cut.npz", _NPZ[:len(_NPZ) // 2], BINARY),
    "npz that is a csv": ("table.npz", _TABLE.encode(), BINARY),
    "npz with a bad crc": ("crc.npz", _bad_crc(_NPZ), BINARY),
    "npz with a bad deflate stream": ("deflate.npz", _bad_deflate(_NPZ_COMPRESSED), BINARY),
    "npz of a truncated array": ("member.npz", zip_bytes({"X.npy": _NPY[:100]}), BINARY),
    "npz of python objects": ("objects.npz", _npz(X=np.array([{"a": 1}] * 30, dtype=object)), BINARY),
    "npz of a png": ("png.npz", zip_bytes({"X.npy": _PNG}), BINARY),
    "zip empty": ("empty.zip", b"", ZIP),
    "zip truncated": ("cut.zip", _IMAGE_ZIP[:len(_IMAGE_ZIP) // 2], ZIP),
    "zip that is a png": ("picture.zip", _PNG, ZIP),
    "zip that is a csv": ("table.zip", _TABLE.encode(), ZIP),
    "zip of truncated pngs": ("cut.zip", zip_bytes({name: png[:60] for name, png in _IMAGES.items()}), ZIP),
    "zip of utf-16 text named png": ("text.zip", zip_bytes({name: "no image".encode("utf-16") for name in _IMAGES}),
                                     ZIP),
    "zip with bad crcs": ("crc.zip", _bad_crc(_IMAGE_ZIP), ZIP),
    "zip with a bad deflate stream": ("deflate.zip", _bad_deflate(_deflated_zip(_IMAGES)), ZIP),
    "zip of 10^10-pixel png headers": ("huge.zip", zip_bytes({name: _png_header(100_000, 100_000) for name in _IMAGES}),
                                       ZIP),
    "zip in a zip": ("nested.zip", zip_bytes({"inner.zip": _IMAGE_ZIP}), ZIP),
}

#: Malformed pictures for the "Your own digit" page.
DIGIT_FILES = {
    "png empty": ("empty.png", b"", PNG_MIME),
    "png truncated": ("cut.png", _PNG[:len(_PNG) // 2], PNG_MIME),
    "png header of 10^10 pixels": ("huge.png", _png_header(100_000, 100_000), PNG_MIME),
    "png that is an npy": ("array.png", _NPY, PNG_MIME),
    "png that is a zip": ("archive.png", _IMAGE_ZIP, PNG_MIME),
    "png of utf-16 text": ("text.png", "a digit".encode("utf-16"), PNG_MIME),
    "png of latin-1 text": ("text.png", "caf\xe9".encode("latin-1"), PNG_MIME),
    "png of nested json": ("nested.png", DEEP_JSON, PNG_MIME),
    "jpeg truncated": ("cut.jpg", _JPEG[:200], JPEG_MIME),
    "jpeg that is a csv": ("table.jpg", _TABLE.encode(), JPEG_MIME),
}


def _run_zips(files: dict) -> dict:
    """Malformed run ZIPs made from a good run's files: case -> (file name, content)."""
    def run_zip(name: str | None = None, content: bytes = b"") -> bytes:
        return _deflated_zip({**files, name: content} if name else files)

    config, codes, weights = files["config.json"], files["codes.npy"], files["model.weights.h5"]
    with np.load(io.BytesIO(files["latent_history.npz"])) as stored:
        latent = {key: stored[key] for key in stored.files}
    def edited(section: str, **changes) -> bytes:
        manifest = json.loads(config)
        manifest[section].update(changes)
        return json.dumps(manifest).encode()

    good = run_zip()
    return {
        "zip empty": ("empty.zip", b""),
        "zip truncated": ("cut.zip", good[:len(good) // 2]),
        "zip that is a png": ("picture.zip", _PNG),
        "zip that is a csv": ("table.zip", _TABLE.encode()),
        "zip named in markdown": (MARKDOWN_NAME + ".zip", b""),
        "zip of a run in a folder": ("folder.zip", zip_bytes({f"run/{name}": data for name, data in files.items()})),
        "config.json nested 200,000 deep": ("deep.zip", run_zip("config.json", DEEP_JSON)),
        "metrics.json nested 200,000 deep": ("deep.zip", run_zip("metrics.json", DEEP_JSON)),
        "history.json nested 200,000 deep": ("deep.zip", run_zip("history.json", b'{"loss": ' + DEEP_JSON + b"}")),
        "config.json truncated": ("cut.zip", run_zip("config.json", config[:len(config) // 2])),
        "config.json empty": ("empty.zip", run_zip("config.json", b"")),
        "config.json in utf-16": ("utf16.zip", run_zip("config.json", config.decode().encode("utf-16"))),
        "config.json with latin-1 bytes": ("latin1.zip", run_zip("config.json", config.replace(
            b'"my-digits"', '"caf\xe9"'.encode("latin-1")))),
        "config.json over 5 MB": ("big.zip", run_zip("config.json", config[:-1] + b" " * 6_000_000 + b"}")),
        "config.json with a 4 MB dataset name": ("name.zip", run_zip("config.json", config.replace(
            b'"my-digits"', b'"' + b"d" * 4_000_000 + b'"'))),
        "config.json with a 4 MB model kind": ("kind.zip", run_zip("config.json", edited("config", kind="k" * 4_000_000))),
        "config.json with a null dropout": ("dropout.zip", run_zip("config.json", edited("architecture", dropout=None))),
        "metrics.json with a 5,000-digit number": ("number.zip", run_zip("metrics.json", b'{"x": ' + b"9" * 5000 + b"}")),
        "metrics.json that is a png": ("png.zip", run_zip("metrics.json", _PNG)),
        "codes.npy empty": ("codes.zip", run_zip("codes.npy", b"")),
        "codes.npy that is a png": ("codes.zip", run_zip("codes.npy", _PNG)),
        "codes.npy truncated": ("codes.zip", run_zip("codes.npy", codes[:100])),
        "model.weights.h5 that is a png": ("weights.zip", run_zip("model.weights.h5", _PNG)),
        "model.weights.h5 truncated": ("weights.zip", run_zip("model.weights.h5", weights[:len(weights) // 2])),
        "latent_history.npz truncated": ("latent.zip", run_zip("latent_history.npz", files["latent_history.npz"][:50])),
        "latent_history.npz with a bad deflate stream": ("latent.zip", run_zip(
            "latent_history.npz", _bad_deflate(_npz(compressed=True, **latent)))),
        "zip with bad crcs": ("crc.zip", _bad_crc(zip_bytes(files))),
        "zip with a bad deflate stream": ("deflate.zip", _bad_deflate(good)),
    }


RUN_CASES = ["zip empty", "zip truncated", "zip that is a png", "zip that is a csv", "zip named in markdown",
             "zip of a run in a folder", "config.json nested 200,000 deep", "metrics.json nested 200,000 deep",
             "history.json nested 200,000 deep", "config.json truncated", "config.json empty",
             "config.json in utf-16", "config.json with latin-1 bytes", "config.json over 5 MB",
             "config.json with a 4 MB dataset name", "config.json with a 4 MB model kind",
             "config.json with a null dropout", "metrics.json with a 5,000-digit number",
             "metrics.json that is a png", "codes.npy empty", "codes.npy that is a png", "codes.npy truncated",
             "model.weights.h5 that is a png", "model.weights.h5 truncated", "latent_history.npz truncated",
             "latent_history.npz with a bad deflate stream", "zip with bad crcs", "zip with a bad deflate stream"]


def _params(page: str, cases) -> list:
    return [pytest.param(page, case, id=f"{page}-{case}")
            for case in cases]


# --------------------------------------------------------------------------- the pages


@pytest.fixture(scope="module")
def run_files() -> dict:
    """The files of a tiny saved run of scikit-learn's 8x8 digits, as the Train page's ZIP holds them."""
    from aecore.runs import export
    from aecore.data.datasets import load_dataset
    from aecore.presets import TrainConfig

    digits = load_dataset("digits")
    config = TrainConfig(n_components=3, hidden_units=(16,), epochs=1, batch_size=64, random_state=0)
    reducer = config.to_reducer(image_shape=(8, 8)).fit(digits.X[:200])
    data = export.to_zip_bytes(reducer, config, "my-digits", scaling=digits.scaling,
                               codes=reducer.transform(digits.X[:20]))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def run_zips(run_files) -> dict:
    cases = _run_zips(run_files)
    assert list(cases) == RUN_CASES
    return cases


@pytest.fixture(scope="module")
def apps():
    """One AppTest per uploader, opened when its first file comes."""
    opened = {}

    def app(page: str):
        if page not in opened:
            if page == "train":
                at = open_page("aecore_app/app_pages/train.py", timeout=TIMEOUT)
                at.selectbox(key="train.dataset").set_value("upload").run()
            else:
                at = open_page("aecore_app/app_pages/digit.py" if page == "digit" else "aecore_app/app_pages/runs.py", timeout=TIMEOUT)
            assert not at.exception, [e.value for e in at.exception]
            opened[page] = at
        return opened[page]

    return app


UPLOADERS = {"train": "train.upload", "encode": "encode.upload", "runs": "runs.upload", "digit": "digit.upload"}


def _upload_and_check(at, page: str, name: str, content: bytes, mime: str) -> list[str]:
    at.file_uploader(key=UPLOADERS[page]).set_value((name, content, mime)).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert errors, f"no st.error for {name!r} on the {page} uploader"
    return errors


#: Damage confined to some members of a ZIP of images: those are skipped and named, the rest load.
SKIPPED_NOT_REFUSED = {"zip with a bad deflate stream"}


@pytest.mark.slow
@pytest.mark.parametrize("page, case", _params("train", sorted(SKIPPED_NOT_REFUSED))
                         + _params("encode", sorted(SKIPPED_NOT_REFUSED)))
def test_a_damaged_image_in_a_zip_is_skipped_and_named(apps, page, case):
    name, content, mime = DATA_FILES[case]
    at = apps(page)
    at.file_uploader(key=UPLOADERS[page]).set_value((name, content, mime)).run()
    assert not at.exception, [e.value for e in at.exception]
    notes = [readable(c.value) for c in at.caption] + [readable(e.value) for e in at.error]
    assert any("damaged inside the ZIP" in note and "im0.png" in note for note in notes), notes


@pytest.mark.parametrize("page, case", _params("train", [c for c in DATA_FILES if c not in SKIPPED_NOT_REFUSED])
                         + _params("encode", [c for c in DATA_FILES if c not in SKIPPED_NOT_REFUSED]))
def test_a_malformed_data_file_gives_an_error_not_an_exception(apps, page, case):
    name, content, mime = DATA_FILES[case]
    errors = _upload_and_check(apps(page), page, name, content, mime)
    if name.startswith(MARKDOWN_NAME):  # the file name is shown as text, not as a link
        assert any(MARKDOWN_NAME in readable(e) and "\\[click\\]" in e for e in errors), errors


@pytest.mark.slow
@pytest.mark.parametrize("page, case", _params("runs", RUN_CASES))
def test_a_malformed_run_zip_gives_an_error_not_an_exception(apps, run_zips, page, case):
    name, content = run_zips[case]
    errors = _upload_and_check(apps(page), page, name, content, ZIP)
    assert all(len(e) < 2_000 for e in errors), [e[:200] for e in errors]  # a huge field is not quoted whole
    if name.startswith(MARKDOWN_NAME):
        assert any(MARKDOWN_NAME in readable(e) and "\\[click\\]" in e for e in errors), errors
    if "nested 200,000 deep" in case:
        assert any("nests 200,00" in readable(e) and "the limit is 32" in readable(e) for e in errors), errors


@pytest.mark.parametrize("page, case", _params("digit", DIGIT_FILES))
def test_a_malformed_picture_gives_an_error_not_an_exception(apps, page, case):
    name, content, mime = DIGIT_FILES[case]
    _upload_and_check(apps(page), page, name, content, mime)
