"""Helpers shared by the tests in every folder: the repository's paths, hostile files built in
memory, and opening a page in AppTest. Import them as ``from tests.builders import ...``."""

import struct
import zlib
from pathlib import Path

#: The repository root, whichever folder of tests/ a test lives in.
ROOT = Path(__file__).resolve().parent.parent
#: The app's entry point, as an absolute path for ``AppTest.from_file``.
APP = str(ROOT / "app.py")


def png_declaring(width: int, height: int) -> bytes:
    """A decompression bomb's header: width x height pixels declared, a few hundred bytes on disk."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(4096))) + chunk(b"IEND", b""))


def readable(markdown: str) -> str:
    """The text a person reads in escaped Markdown: backslash escapes and the invisible word
    joiners ``aecore_app.layout.escape_markdown`` puts before ``:`` and ``@`` removed."""
    import re

    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def open_page(page: str, params: dict | None = None, timeout: float = 300):
    """Run the app in AppTest on ``page`` with query ``params``; assert it raised no exception."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout)
    for name, value in (params or {}).items():
        at.query_params[name] = value
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def record_slots(monkeypatch) -> list:
    """Record what asks for one of the server's job slots (``aecore_app.session.exclusive``, which
    ``run_exclusive`` and every other long job call), granting it."""
    from contextlib import contextmanager

    from aecore_app import session

    entered, real = [], session.exclusive

    @contextmanager
    def recording(what):
        entered.append(what)
        with real(what):
            yield

    monkeypatch.setattr(session, "exclusive", recording)
    return entered


def zip_bytes(files: dict) -> bytes:
    """A ZIP archive holding ``files`` (name -> bytes), built in memory."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def compressed_npz_of_zeros(shape: tuple[int, int], dtype) -> bytes:
    """An .npz of zeros written member by member in 1 MB chunks: the test never holds the array."""
    import io
    import zipfile

    import numpy as np
    from numpy.lib import format as npy_format

    buffer = io.BytesIO()
    dtype = np.dtype(dtype)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("X.npy", "w", force_zip64=True) as member:
            npy_format.write_array_header_1_0(member, {"descr": npy_format.dtype_to_descr(dtype),
                                                       "fortran_order": False, "shape": shape})
            chunk, left = bytes(1 << 20), int(np.prod(shape)) * dtype.itemsize
            while left > 0:
                member.write(chunk[:min(left, len(chunk))])
                left -= len(chunk)
    return buffer.getvalue()
