"""Read a cohort file into a table of text cells, whatever its format.

:func:`read_table` accepts CSV (comma, semicolon with decimal commas, tab or pipe;
UTF-8 with or without BOM, UTF-16, Windows-1252/latin-1) and Excel ``.xlsx``, finds
the delimiter and the encoding, and refuses files that are neither (a zip that is not
a workbook, a binary file). Checking the cells against the dictionary is
:mod:`nettx_utils.data.cohort`'s job.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from nettx_utils.errors import CohortError

DELIMITERS = (",", ";", "\t", "|")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a cohort file (CSV or Excel) as text cells.

    Everything is read as strings so that each column is converted, and its
    errors reported, by the dictionary rules in :func:`validate_cohort`. The
    format is found from the content, not the file name:

    * Excel workbooks (``.xlsx``, ``.xlsm``): the sheet named ``cohort``, else the
      first sheet; Excel dates become ``YYYY-MM-DD``.
    * text in UTF-8 (with or without BOM), UTF-16, Windows-1252 or latin-1;
      the delimiter (comma, semicolon, tab or ``|``) is the one of the header
      row. Semicolon- or tab-delimited files may use decimal commas (``58,9``),
      as European Excel writes them: ``attrs["decimal"]`` records it.
    * comment lines (``# ...``) and blank lines at the top, and empty rows, are skipped.

    Raises
    ------
    CohortError
        For a missing, empty or header-only file, or one that is not a table
        (a PDF, an image, a Word document, an old ``.xls`` workbook...).
    """
    path = Path(path)
    if not path.exists():
        raise CohortError(f"{path}: no such file.")
    if not path.is_file():
        raise CohortError(f"{path}: is a folder; expected a CSV or Excel (.xlsx) file.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CohortError(f"{path}: cannot read the file ({exc.strerror}).") from None
    if not data.strip():
        raise CohortError(f"{path}: the file is empty; expected a header row and patients.")
    kind = _binary_kind(path, data)
    if kind == "xlsx":
        grid, decimal, encoding = _grid(_excel_rows(path), path), ".", "xlsx"
    elif kind:
        raise CohortError(
            f"{path}: not a table: the file is {kind}. Expected a CSV file (text, one patient "
            "per row) or an Excel workbook (.xlsx) with the dictionary's columns "
            "(see data/template.csv)."
        )
    else:
        text, encoding = _decode(data)
        grid, decimal = _text_grid(text, path)
    table = _frame(grid, path)
    table.attrs.update(decimal=decimal, encoding=encoding)
    return table


def _binary_kind(path: Path, data: bytes) -> str | None:
    """``"xlsx"`` for a workbook, a description of any other binary file, ``None`` for text."""
    head = data[:8]
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return "a damaged ZIP archive"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if any(n.startswith("word/") for n in names):
            return "a Word document"
        if "content.xml" in names:
            return "an OpenDocument file (.ods/.odt); save it as .xlsx or CSV"
        return "a ZIP archive"
    signatures = {
        b"%PDF": "a PDF document",
        b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls) or another old Office file; "
        "save it as .xlsx or CSV",
        b"\x89PNG": "a PNG image",
        b"\xff\xd8\xff": "a JPEG image",
        b"GIF8": "a GIF image",
        b"{\\rtf": "an RTF document",
        b"\x1f\x8b": "a gzip archive",
    }
    for signature, kind in signatures.items():
        if head.startswith(signature):
            return kind
    if not head.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" in data[:4096]:
        return "binary data, not text"
    start = data[:512].lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html", b"<?xml")):
        return "a web page or XML document"
    return None


def _decode(data: bytes) -> tuple[str, str]:
    """The file's text and its encoding: UTF-16 by BOM, else UTF-8, else Windows-1252/latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _text_grid(text: str, path: Path) -> tuple[pd.DataFrame, str]:
    """The cells of a delimited text (see :func:`_grid`), and the decimal mark its delimiter implies."""
    start = _LEADING_LINES.match(text).end()  # comment and blank lines at the top
    header = re.split(r"\r\n|\r|\n", text[start : start + 100_000], maxsplit=1)[0]
    if not header.strip() or header.lstrip().startswith("#"):
        raise CohortError(f"{path}: the file has no table, only comments or blank lines.")
    counts = {d: header.count(d) for d in DELIMITERS}
    delimiter = max(counts, key=counts.get)
    if counts[delimiter] == 0:
        raise CohortError(
            f"{path}: not a table: the first line ({header[:60]!r}) has no comma, semicolon "
            "or tab between column names; expected a header row naming the dictionary's "
            "columns, then one patient per row."
        )
    body = text[start:]
    # pandas ends lines at \n, \r\n and \r only; str.splitlines, which the csv module's
    # path below follows, also at rarer separators: a body holding any of them is split
    # into lines first (a copy of the text, but a rare file).
    if any(separator in body for separator in _RARE_LINE_SEPARATORS):
        body = "\n".join(body.splitlines())
    decimal = "," if delimiter in ";\t|" else "."
    try:  # pandas' C parser: 100 000 patients in a second or two
        grid = pd.read_csv(
            io.BytesIO(body.encode("utf-8")),  # bytes: about 10% less CPU than text
            encoding="utf-8",
            sep=delimiter,
            header=None,
            dtype="category",
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
        return grid, decimal
    except (pd.errors.ParserError, ValueError):
        pass  # a ragged row, say: the csv module's rows give the precise message
    try:
        rows = list(csv.reader(io.StringIO(body), delimiter=delimiter))
    except csv.Error as exc:
        raise CohortError(f"{path}: not a readable table ({exc}).") from None
    return _grid(rows, path), decimal


_LEADING_LINES = re.compile(r"(?:[^\S\r\n]*(?:#[^\r\n]*)?(?:\r\n|\r|\n))*")
"""Blank lines and ``#`` comment lines at the top of a text file, with their line ends."""


_RARE_LINE_SEPARATORS = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _excel_rows(path: Path) -> list[list[str]]:
    """The cells of the workbook's ``cohort`` sheet (else its first sheet) as text."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            names = {name.strip().lower(): name for name in book.sheetnames}
            sheet = book[names.get("cohort", book.sheetnames[0])]
            rows = [[_excel_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise CohortError(f"{path}: not a readable Excel workbook ({exc}).") from None
    while rows and (not any(rows[0]) or rows[0][0].lstrip().startswith("#")):
        rows.pop(0)
    return rows


def _excel_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _grid(rows: list[list[str]], path: Path) -> pd.DataFrame:
    """Rows of text cells as a grid: row 0 the header, row ``i`` the spreadsheet's row ``i + 1``.

    Each column is a categorical of its distinct texts; short rows are padded
    with empty cells, and a row longer than the header is refused unless its
    extra cells are empty (trailing delimiters).
    """
    if not rows:
        raise CohortError(f"{path}: the file is empty; expected a header row and patients.")
    width = len(rows[0])
    padded = [rows[0]]
    for number, row in enumerate(rows[1:], start=2):
        if len(row) > width:
            if any(c.strip() for c in row[width:]):
                raise CohortError(
                    f"{path}: row {number} has {len(row)} cells but the header has {width}; "
                    "a value may contain the delimiter (put it in quotes) or the row may be "
                    "shifted."
                )
            row = row[:width]
        padded.append(row + [""] * (width - len(row)))
    return pd.DataFrame(padded, dtype=str).astype("category")


def _frame(grid: pd.DataFrame, path: Path) -> pd.DataFrame:
    """A grid of text cells (:func:`_grid`) to a table named by its header row.

    Empty rows are dropped; the index keeps each patient's position below the
    header, so messages name spreadsheet rows.
    """
    header = [str(c).strip().strip('"').replace("\ufeff", "").strip() for c in grid.iloc[0]]
    body = grid.iloc[1:]
    filled = [_nonblank(body[c]) for c in body.columns]
    kept = np.logical_or.reduce(filled) if filled else None
    body = body if kept is None or kept.all() else body[kept]  # no copy when none is empty
    if body.empty:
        raise CohortError(
            f"{path}: the file has a header but no patients; expected one row per patient."
        )
    table = body.set_axis(header, axis=1).set_axis(body.index - 1, axis=0)
    width = len(header)
    nameless = [i for i, name in enumerate(header) if not name]
    with_values = [i for i in nameless if _nonblank(table.iloc[:, i]).any()]
    if with_values:
        raise CohortError(
            f"{path}: column {with_values[0] + 1} has values but no name in the header row; "
            "name it, or delete it."
        )
    table = table.iloc[:, [i for i in range(width) if i not in nameless]]
    repeated = sorted({n for n in table.columns if list(table.columns).count(n) > 1})
    if repeated:
        raise CohortError(
            f"{path}: the header names column(s) {', '.join(map(repr, repeated))} twice; "
            "expected each column once."
        )
    return table


def _nonblank(cells: pd.Series) -> np.ndarray:
    """Which cells of a categorical text column hold more than spaces."""
    categories = pd.Series(cells.cat.categories, dtype=object).astype(str).str.strip() != ""
    # One lookup per cell in the distinct texts' answers (a missing code, -1, is blank).
    return np.append(categories.to_numpy(dtype=bool), False)[cells.cat.codes.to_numpy()]
