"""Keep direct identifiers out of the analysis and patient ids out of the book.

Three guards:

* :func:`check_identifiers` refuses cohort columns that look like direct
  identifiers (names, record numbers, dates of birth, calendar dates, addresses,
  phone numbers, e-mail, fiscal codes), unless the user allows them by name
  (``--allow-column NAME``). :func:`~nettx_utils.data.cohort.load_cohort` calls it.
* :func:`is_synthetic` tells whether a cohort file is the project's synthetic
  cohort, by the SHA-256 checksum that the cohort's Data Package descriptor,
  ``data/datapackage.json``, records (:mod:`nettx_utils.data.datapackage`). Chapters
  use it to decide whether per-patient figures may be shown.
* :func:`scan_book` looks for every ``patient_id`` of a cohort in the files of a
  built HTML book; :func:`assert_no_patient_ids` turns hits into an error. The
  pipeline calls it after the build of a non-synthetic cohort, before the new
  book replaces the previous one.
"""

from __future__ import annotations

import html
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nettx_utils.errors import CohortError, NettxError

NOT_TEXT_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".ico", ".webp", ".woff", ".woff2", ".ttf", ".otf", ".eot"}
    | {".mo", ".pickle", ".doctree"}
)
"""Files of a built book that hold no text to scan for patient ids."""

_KINDS = {
    "a person's name": "name names surname surnames firstname lastname forename forenames "
    "givenname familyname fullname initials nome cognome nombre apellido apellidos prenom "
    "vorname nachname",
    "a record number (MRN)": "mrn mrns nhs nhi urn upn ssn chart cartella nosologico "
    "passport nosografico",
    "a date of birth": "dob birth birthdate birthday born nascita geburtsdatum",
    "a calendar date": "date dates datum fecha dt datetime timestamp",
    "an address": "address addr street zip zipcode postcode postal city town residence "
    "residenza indirizzo domicilio",
    "a phone number": "phone phones telephone tel mobile fax telefono cellulare",
    "an e-mail address": "email emails mail pec",
    "a fiscal or insurance code": "fiscal codicefiscale cf taxcode tin nin insee insurance",
}
IDENTIFIER_WORDS: dict[str, str] = {
    word: kind for kind, words in _KINDS.items() for word in words.split()
}
"""Words of a column name (split at ``_``, spaces, case changes) that mark a direct identifier."""

IDENTIFIER_PHRASES: dict[str, str] = {
    "medical_record": "a record number (MRN)",
    "record_number": "a record number (MRN)",
    "record_no": "a record number (MRN)",
    "hospital_number": "a record number (MRN)",
    "case_number": "a record number (MRN)",
    "social_security": "a fiscal or insurance code",
    "national_id": "a fiscal or insurance code",
    "tax_code": "a fiscal or insurance code",
    "tax_id": "a fiscal or insurance code",
    "codice_fiscale": "a fiscal or insurance code",
    "e_mail": "an e-mail address",
    "data_di": "a calendar date",
}

DATE_VALUE = re.compile(
    r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
    r"|\d{1,2}[- ][A-Za-z]{3,9}[- ]\d{2,4})\s*$"
)
"""A calendar date as spreadsheets write it: 2019-03-01, 01/03/2019, 1.3.19, 1-Mar-2019."""
EMAIL_VALUE = re.compile(r"^[\w.+-]+@[\w-]+\.[\w.-]+$")
FISCAL_CODE_VALUE = re.compile(r"^[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]$", re.IGNORECASE)


def name_words(name: str) -> list[str]:
    """The words of a column name: ``"dateOfBirth"`` and ``"Date of birth"`` give the same.

    Examples
    --------
    >>> name_words("dateOfBirth"), name_words(" Codice-Fiscale ")
    (['date', 'of', 'birth'], ['codice', 'fiscale'])
    """
    plain = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    plain = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", plain)
    return [w for w in re.split(r"[^a-z0-9]+", plain.lower()) if w]


def identifier_kind(name: str) -> str | None:
    """What kind of direct identifier a column name suggests, or ``None``.

    Examples
    --------
    >>> identifier_kind("MRN"), identifier_kind("patient_name"), identifier_kind("mib1_lt_pct")
    ('a record number (MRN)', "a person's name", None)
    >>> identifier_kind("Date of birth")
    'a date of birth'
    """
    words = name_words(name)
    joined = "_" + "_".join(words) + "_"
    for phrase, kind in IDENTIFIER_PHRASES.items():
        if f"_{phrase}_" in joined:
            return kind
    kinds = {IDENTIFIER_WORDS[word] for word in words if word in IDENTIFIER_WORDS}
    return next((kind for kind in _KINDS if kind in kinds), None)  # "date of birth" before "date"


def looks_like_dates(values: pd.Series) -> pd.Series:
    """Which cells hold a calendar date (as text)."""
    return values.astype(str).str.match(DATE_VALUE)


def content_kind(values: pd.Series, missing: pd.Series | None = None) -> str | None:
    """What kind of direct identifier the cells of a column hold, or ``None``.

    A column counts as calendar dates when at least half of its filled cells are
    dates; one e-mail address or Italian fiscal code is enough.

    Each pattern is matched only on the cells that could match it (a date starts
    with a digit, an e-mail holds ``@``, a fiscal code has 16 characters), found
    with numpy's string functions: at 10^6 patient ids this takes 0.3 s instead of
    1.5 s of matching every cell.

    Examples
    --------
    >>> content_kind(pd.Series(["2019-03-01", "01/03/2019", "x"]))
    'a calendar date'
    >>> content_kind(pd.Series(["P-1", "rossi@example.org"])), content_kind(pd.Series(["P-1"]))
    ('an e-mail address', None)
    >>> content_kind(pd.Series(["RSSMRA85T10A562S", "P-2"]))
    'a fiscal or insurance code'

    A categorical column is read through its categories, each weighted by its cells:

    >>> dates = ["2019-03-01"] * 3 + ["P-1", "P-2", "P-3", "P-4"]
    >>> content_kind(pd.Series(dates, dtype="category")), content_kind(pd.Series(dates))
    (None, None)
    >>> dates = ["2019-03-01"] * 4 + ["P-1", "P-2", "P-3", ""]
    >>> content_kind(pd.Series(dates, dtype="category")), content_kind(pd.Series(dates))
    ('a calendar date', 'a calendar date')
    """
    filled, counts = _distinct_filled(values, missing)
    if counts.sum() == 0:
        return None
    starts_with_digit = np.isin(filled.astype("U1"), list("0123456789"))
    if 2 * counts[starts_with_digit].sum() >= counts.sum():
        dates = counts[starts_with_digit][_matching(filled[starts_with_digit], DATE_VALUE)].sum()
        if dates >= 0.5 * counts.sum():
            return "a calendar date"
    if _matching(filled[np.strings.find(filled, "@") >= 0], EMAIL_VALUE).any():
        return "an e-mail address"
    if _matching(filled[np.strings.str_len(filled) == 16], FISCAL_CODE_VALUE).any():
        return "a fiscal or insurance code"
    return None


def _distinct_filled(values: pd.Series, missing: pd.Series | None) -> tuple[np.ndarray, np.ndarray]:
    """The filled cells' distinct stripped texts and how many cells hold each.

    A categorical column (as :func:`nettx_utils.data.reading.read_table` gives) is read
    through its categories, so each distinct text is converted once.
    """
    if missing is None and isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        counts = np.bincount(codes[codes >= 0], minlength=len(values.cat.categories))
        texts = values.cat.categories.astype(str).to_numpy(dtype=np.dtypes.StringDType())
    else:
        keep = ~missing.to_numpy(dtype=bool) if missing is not None else np.ones(len(values), bool)
        texts = values[keep].astype(str).to_numpy(dtype=np.dtypes.StringDType())
        counts = np.ones(texts.size, dtype=np.int64)
    texts = np.strings.strip(texts)
    if missing is None:
        counts = np.where(texts == "", 0, counts)
    return texts[counts > 0], counts[counts > 0]


def _matching(cells: np.ndarray, pattern: re.Pattern[str]) -> np.ndarray:
    """Which of ``cells`` (stripped texts) ``pattern`` matches from their start."""
    return np.fromiter((pattern.match(cell) is not None for cell in cells), bool, len(cells))


def check_identifiers(
    table: pd.DataFrame,
    *,
    expected: Iterable[str],
    allow_columns: Iterable[str] = (),
    source: str = "cohort",
) -> list[str]:
    """Refuse columns that look like direct identifiers.

    Parameters
    ----------
    table
        The cohort as text cells.
    expected
        The dictionary's column names; their names are not checked (their
        content is, for ``patient_id``).
    allow_columns
        Columns the user allows by name (``--allow-column NAME``).
    source
        The file, for the message.

    Returns
    -------
    list of str
        The allowed columns that look like identifiers (kept, not analysed).

    Raises
    ------
    CohortError
        Naming the first refused column, why, and how to proceed.
    """
    expected, allowed = set(expected), set(allow_columns)
    kept = []
    for name in table.columns:
        kind = None if name in expected else identifier_kind(name)
        if name == "patient_id" or name not in expected:
            kind = kind or content_kind(table[name])
        if kind is None:
            continue
        if name in allowed:
            kept.append(name)
            continue
        if name == "patient_id":
            raise CohortError(
                f"{source}: column 'patient_id' looks like {kind}; expected a pseudonymous code "
                "(e.g. C-001) that cannot be traced back to a person outside your centre."
            )
        dates = (
            " Durations go in months between two events, not as dates." if "date" in kind else ""
        )
        raise CohortError(
            f"{source}: column {name!r} looks like {kind}, a direct identifier; remove it from "
            "the file (the analysis never uses it), or, if it is harmless, rerun with "
            f"--allow-column {name!r}.{dates}"
        )
    return kept


@dataclass(frozen=True)
class Hit:
    """One patient id found in a file of the book."""

    path: Path
    patient_id: str
    context: str


@dataclass
class ScanReport:
    """What :func:`scan_book` found."""

    hits: list[Hit] = field(default_factory=list)
    unscannable: list[str] = field(default_factory=list)
    files: int = 0
    skipped: list[Path] = field(default_factory=list)
    """Files that hold no text to scan (images, fonts, compiled translations)."""

    @property
    def clean(self) -> bool:
        return not self.hits


def scannable(patient_id: str) -> bool:
    """An id the scan can tell from the book's numbers: at least 3 characters, not only digits."""
    return len(patient_id) >= 3 and not re.fullmatch(r"[\d.,\s]+", patient_id)


_TOKEN = re.compile(r"[\w-]+")
_EMBEDDED = re.compile(
    r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+"  # images embedded in a page
    r"|[A-Za-z0-9+/]{100,}={0,2}"  # base64 images of a notebook's outputs
)


def _texts(path: Path) -> list[tuple[Path, str]] | None:
    """The text(s) a file holds: itself, or each member of a ZIP container (``.xlsx``).

    ``None`` for a file with no text to scan (an image, a font).
    """
    if path.suffix.lower() in NOT_TEXT_SUFFIXES:
        return None
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                members = [(path / name, archive.read(name)) for name in archive.namelist()]
        except zipfile.BadZipFile:
            members = [(path, data)]
    else:
        members = [(path, data)]
    texts = []
    for where, content in members:
        if b"\x00" in content[:4096] and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue  # binary: an image or font inside a container
        encoding = "utf-16" if content.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"
        text = content.decode(encoding, errors="replace")
        texts.append((where, html.unescape(_EMBEDDED.sub(" ", text))))
    return texts or None


def _id_pattern(patient_id: str) -> re.Pattern[str]:
    """An id as a whole token: ``C-01`` does not match inside ``C-012``."""
    return re.compile(rf"(?<![\w-]){re.escape(patient_id)}(?![\w-])")


def scan_book(html_dir: str | Path, patient_ids: Iterable[str]) -> ScanReport:
    """Look for each patient id in every file of a built HTML book.

    Every file is read as text (pages, scripts, the search index, sources,
    downloads, SVG figures), and each sheet of an Excel download, except images
    and fonts, which are listed in ``skipped``. An id matches as a whole token
    (``C-01`` does not match inside ``C-012``), in the page text, its attributes
    and scripts (interactive figures embed their data there). Embedded base64
    images are skipped: a figure that draws ids as pixels is not detected. Ids
    of only digits, or shorter than three characters, cannot be told from the
    book's numbers and are listed in ``unscannable`` instead.

    The cost is one pass over each file, whatever the number of ids: ids made
    of letters, digits, ``_`` and ``-`` are looked up among the file's tokens;
    the few others (with spaces, dots or slashes) are searched one by one.
    """
    ids = sorted({str(i).strip() for i in patient_ids if pd.notna(i) and str(i).strip()})
    report = ScanReport(unscannable=[i for i in ids if not scannable(i)])
    wanted = [i for i in ids if scannable(i)]
    if not wanted:
        return report
    tokens = {i for i in wanted if _TOKEN.fullmatch(i)}
    others = [_id_pattern(i) for i in wanted if i not in tokens]
    for path in sorted(Path(html_dir).rglob("*")):
        if not path.is_file():
            continue
        texts = _texts(path)
        if texts is None:
            report.skipped.append(path)
            continue
        report.files += 1
        for where, text in texts:
            found = sorted(tokens.intersection(_TOKEN.findall(text)))
            patterns = [_id_pattern(i) for i in found] + [p for p in others if p.search(text)]
            for pattern in patterns:
                for match in pattern.finditer(text):
                    start, end = max(0, match.start() - 40), match.end() + 40
                    context = " ".join(text[start:end].split())
                    report.hits.append(Hit(where, match.group(0), context))
    return report


def assert_no_patient_ids(html_dir: str | Path, patient_ids: Iterable[str]) -> ScanReport:
    """Raise when any patient id appears in the built book.

    Raises
    ------
    NettxError
        Naming the files, the first ids found and what to do.
    """
    html_dir = Path(html_dir)
    report = scan_book(html_dir, patient_ids)
    if report.clean:
        return report
    by_file: dict[Path, set[str]] = {}
    for hit in report.hits:
        by_file.setdefault(hit.path, set()).add(hit.patient_id)
    lines = [
        f"  {path.relative_to(html_dir)}: {', '.join(sorted(ids)[:5])}"
        + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        for path, ids in sorted(by_file.items())[:10]
    ]
    raise NettxError(
        f"privacy: the built book shows {len({h.patient_id for h in report.hits})} patient "
        f"id(s) of a cohort that is not the synthetic one, in {len(by_file)} file(s):\n"
        + "\n".join(lines)
        + "\nA book of real patients must not list them; remove the per-patient output "
        "(tables, labels, hover data) from these chapters. The previous book is unchanged."
    )
