"""Hostile files built in memory, shared by the data and bad-input tests."""

import struct
import zlib


def png_declaring(width: int, height: int) -> bytes:
    """A decompression bomb's header: width x height pixels declared, a few hundred bytes on disk."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(4096))) + chunk(b"IEND", b""))
