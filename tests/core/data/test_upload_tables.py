"""Upload parsing of CSV tables, good files and bad ones, and the reader picked by extension.

Arrays are tested in ``test_upload_arrays.py``, ZIPs of images in ``test_upload_images.py``.
"""

import numpy as np
import pytest

from aecore.data import uploads


# ----------------------------------------------------------------- tables: good files


def _csv(text: str) -> bytes:
    return text.encode()


def test_csv_with_label_and_text_column(rng):
    rows = ["a,b,c,name,label"] + [f"{rng.normal()},{rng.normal()},{rng.normal()},n{i},{'xy'[i % 2]}"
                                   for i in range(30)]
    ds = uploads.read_csv_bytes(_csv("\n".join(rows)), label_column="label")
    assert ds.X.shape == (30, 3) and ds.feature_names == ["a", "b", "c"]
    assert ds.label_names == ["x", "y"] and set(ds.y) == {0, 1}
    assert any("non-numeric" in n and "name" in n for n in ds.notes)
    np.testing.assert_allclose(ds.X.mean(axis=0), 0, atol=1e-5)


def test_csv_semicolon_delimiter(rng):
    rows = ["a;b;c"] + [";".join(str(v) for v in rng.normal(size=3)) for _ in range(20)]
    assert uploads.read_csv_bytes(_csv("\n".join(rows))).X.shape == (20, 3)


def test_csv_drops_nan_rows_and_constant_columns(rng):
    rows = ["a,b,c,k"] + [f"{rng.normal()},{rng.normal()},{'nan' if i == 3 else rng.normal()},1"
                          for i in range(20)]
    ds = uploads.read_csv_bytes(_csv("\n".join(rows)))
    assert ds.X.shape == (19, 3)
    assert any("constant" in n for n in ds.notes) and any("missing" in n for n in ds.notes)


# ----------------------------------------------------------------- tables: bad files

def _rows(header: str, make_row, n: int = 20) -> bytes:
    return ("\n".join([header] + [make_row(i) for i in range(n)]) + "\n").encode()


BAD_CSVS = {
    "empty": (b"", "empty \\(0 bytes\\)"),
    "blank lines": (b"\n \n\n", "only blank lines"),
    "header only": (b"a,b,c\n", "no data rows"),
    "one row": (b"a,b,c\n1,2,3\n", "1 data row.*at least 10"),
    "one column": (b"a\n" + b"\n".join(str(i).encode() for i in range(20)), "single column"),
    "text only": (b"a,b\n" + b"\n".join(b"x,y" for _ in range(20)), "0 usable.*non-numeric: a, b"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "looks like a PNG image"),
    "xlsx renamed": (b"PK\x03\x04" + bytes(100), "looks like a ZIP archive"),
    "nul bytes": (b"a,b\n1,2\x00\x00\n" * 20, "binary file"),
    "all constant": (b"a,b\n" + b"\n".join(b"1,2" for _ in range(20)), "0 usable.*constant: a, b"),
    "mixed types": (_rows("a,b", lambda i: f"{i},{i * i if i % 2 else 'n/a?'}", n=18),
                    "Only 9 of 18 rows.*text in numeric column 'b' \\('n/a\\?'"),
    "nan and inf": (_rows("a,b", lambda i: f"{'nan' if i % 2 else i},{'inf' if i % 2 == 0 else i}"),
                    "10 infinite value\\(s\\) \\(data rows 1, 3, 5 and 7 more\\)"),
    "wrong delimiter": (_rows("a:b:c", lambda i: f"{i}:{i * i}:{i % 3}"), "single column.*semicolons"),
    "ragged rows": (_rows("a,b", lambda i: f"{i},{i}" + (",9" if i == 7 else "")), "as many values"),
    "shift_jis": ("データ,b\n".encode("shift_jis") + b"\n".join(f"{i},{i}".encode() for i in range(20)),
                  "not UTF-8.*0x83.*CSV UTF-8"),
    "huge values": (_rows("a,b", lambda i: f"{i}e307,{i}"), "2 infinite value\\(s\\) \\(data rows 19, 20\\)"),
}


@pytest.mark.parametrize("name", list(BAD_CSVS))
def test_bad_csv_gives_clear_error(name):
    content, message = BAD_CSVS[name]
    with pytest.raises(ValueError, match=message):
        uploads.read_csv_bytes(content)


def test_csv_non_utf8_is_decoded_or_refused():
    content = "a,b,caf\xe9\n".encode("cp1252") + b"\n".join(f"{i},{i * 2},{i % 3}".encode() for i in range(20))
    ds = uploads.read_csv_bytes(content)
    assert ds.X.shape == (20, 3) and ds.feature_names[2] == "caf\xe9"
    assert any("Windows-1252" in n for n in ds.notes)


def test_csv_utf16_with_bom_is_read():
    text = "a\tb\tc\n" + "\n".join(f"{i}\t{i * i}\t{i % 3}" for i in range(20))
    ds = uploads.read_csv_bytes(text.encode("utf-16"))
    assert ds.X.shape == (20, 3) and any("UTF-16" in n for n in ds.notes)


def test_csv_caps_refuse_before_parsing(monkeypatch):
    """Over-cap files are refused from their line count and header: pandas never runs."""
    import pandas as pd

    def no_parsing(*args, **kwargs):
        raise AssertionError("read_csv must not run for an over-cap file")

    monkeypatch.setattr(pd, "read_csv", no_parsing)
    with pytest.raises(ValueError, match="1,000,000 rows; the limit is 200,000"):
        uploads.read_csv_bytes(b"a,b\n" + b"1,2\n" * 1_000_000)
    header = ",".join(f"c{i}" for i in range(10_000)).encode()
    with pytest.raises(ValueError, match="10,000 columns; the limit is 5,000"):
        uploads.read_csv_bytes(header + b"\n" + (b"1," * 9_999 + b"1\n") * 20)


def test_csv_partial_problems_are_dropped_with_notes():
    """Some bad cells: the rows or columns go, and the notes say which and why."""
    content = _rows("a,b,c,empty,name,k", lambda i: (
        f"{i},{'abc' if i == 3 else i * i},{'' if i == 5 else i % 7},,n{i},1"), n=30)
    ds = uploads.read_csv_bytes(content)
    assert ds.X.shape == (28, 3) and ds.feature_names == ["a", "b", "c"]
    notes = " ".join(ds.notes)
    for expected in ("empty column(s): empty", "non-numeric column(s): name", "constant column(s): k",
                     "text in numeric column 'b' ('abc' in data row 4)", "missing values (data row 6)"):
        assert expected in notes, notes


def test_csv_space_separated_and_pipe():
    spaces = _rows("a b c", lambda i: f"{i} {i * i} {i % 3}")
    assert uploads.read_csv_bytes(spaces).X.shape == (20, 3)
    assert uploads.read_csv_bytes(_rows("a|b|c", lambda i: f"{i}|{i * i}|{i % 3}")).X.shape == (20, 3)


def test_csv_semicolons_with_decimal_commas():
    ds = uploads.read_csv_bytes(_rows("a;b;c", lambda i: f"{i},5;{i * i},25;{i % 3}"))
    assert ds.X.shape == (20, 3) and any("decimal comma" in n for n in ds.notes)


def test_csv_numeric_first_line_is_noted():
    ds = uploads.read_csv_bytes(_rows("1,2,3", lambda i: f"{i},{i * i},{i % 3}"))
    assert any("first line holds numbers" in n for n in ds.notes)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|", " "])
def test_csv_header_names_match_the_reader(delimiter):
    """The label-column choices the app offers are the names the reader will find."""
    content = _rows(delimiter.join(["a", "b", "c", "kind"]),
                    lambda i: delimiter.join([str(i), str(i * i), str(i % 3), "xy"[i % 2]]))
    columns = uploads.read_csv_header(content)
    assert columns == ["a", "b", "c", "kind"]
    ds = uploads.read_csv_bytes(content, label_column=columns[-1])
    assert ds.feature_names == ["a", "b", "c"] and ds.label_names == ["x", "y"]


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\x89PNG\r\n\x1a\n" + bytes(50),
                                     ",".join(f"c{i}" for i in range(10_000)).encode() + b"\n1"])
def test_csv_header_is_empty_for_unusable_files(content):
    assert uploads.read_csv_header(content) == []


def test_csv_unknown_label_column():
    with pytest.raises(ValueError, match="label_column='zz'"):
        uploads.read_csv_bytes(b"a,b\n" + b"\n".join(f"{i},{i % 5}".encode() for i in range(20)),
                               label_column="zz")


# ----------------------------------------------------------------- any upload


def test_unknown_extension():
    with pytest.raises(ValueError, match=".exe"):
        uploads.read_upload(b"MZ", "tool.exe")
