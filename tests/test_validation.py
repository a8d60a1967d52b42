"""Validation of a user's cohort file: bad files, accepted shapes, privacy, the pipeline guard.

``tests/data/bad/NAME`` holds a malformed file and ``NAME.expected`` a substring
of the one message it must give. ``tests/data/good/`` holds the same small
cohort (``base.csv``) in the shapes the loader accepts.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nettx_utils.build import cli, execution, pipeline
from nettx_utils.data import datapackage, privacy
from nettx_utils.data.cohort import CohortWarning, load_cohort
from nettx_utils.data.dictionary import load_dictionary
from nettx_utils.data.template import example_cohort, template_frame
from nettx_utils.errors import CohortError, NettxError
from nettx_utils.paper import tables

# The small cohort of tests/data (good/ and bad/) was drawn column by column, so its ages
# do not add up (age at LT + time to recurrence != age at recurrence) and every load of
# it warns; that check has its own tests at the end of this file, which record warnings
# themselves and so see it whatever this filter says.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*'age_at_recurrence_years' differs by:nettx_utils.data.cohort.CohortWarning"
)

DATA = Path(__file__).parent / "data"
BAD = sorted(p for p in (DATA / "bad").iterdir() if p.suffix != ".expected")
GOOD = sorted(p for p in (DATA / "good").iterdir() if not p.name.startswith("warn_"))


def _expected(path: Path) -> str:
    return (path.parent / f"{path.name}.expected").read_text(encoding="utf-8").strip()


def test_at_least_25_bad_files_each_with_its_message():
    assert len(BAD) >= 25
    assert all((p.parent / f"{p.name}.expected").is_file() for p in BAD)


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_bad_file_gives_its_one_message(path, capsys):
    assert cli.main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"error: {path}: ")
    assert _expected(path) in captured.err
    assert captured.err.count("error:") == 1
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    "name", ["pdf_renamed.csv", "dates_for_months.csv", "excel_missing_column.xlsx"]
)
def test_bad_file_exits_2_without_traceback_in_a_subprocess(name):
    path = DATA / "bad" / name
    completed = subprocess.run(
        [sys.executable, "-m", "nettx_utils", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert _expected(path) in completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    return load_cohort(DATA / "good" / "base.csv")


@pytest.mark.parametrize("path", GOOD, ids=[p.name for p in GOOD])
def test_good_file_loads_as_the_base_cohort(path, base):
    cohort = load_cohort(path)
    unused = cohort.attrs["unused_columns"]
    pd.testing.assert_frame_equal(cohort.drop(columns=unused), base)


def test_good_file_passes_the_cli(capsys):
    assert cli.main(["validate", str(DATA / "good" / "extra_column.csv")]) == 0
    out = capsys.readouterr().out
    assert "8 patients, 54 dictionary columns: OK." in out
    assert "Columns not in the dictionary (kept, unused): centre" in out


def test_excel_and_semicolon_csv_give_the_same_cohort_and_tables():
    excel = load_cohort(DATA / "good" / "cohort.xlsx")
    european = load_cohort(DATA / "good" / "semicolon_decimal_comma.csv")
    pd.testing.assert_frame_equal(excel, european)
    assert european.attrs.get("unused_columns") == []
    pd.testing.assert_frame_equal(tables.table1(excel), tables.table1(european))
    pd.testing.assert_frame_equal(tables.table2(excel), tables.table2(european))


def test_suspicious_value_warns_and_loads(capsys):
    path = DATA / "good" / "warn_long_followup.csv"
    with pytest.warns(CohortWarning, match="40 years"):
        cohort = load_cohort(path)
    assert len(cohort) == 8
    assert cli.main(["validate", str(path)]) == 0
    captured = capsys.readouterr()
    assert "warning:" in captured.err and "OK." in captured.out


def test_the_users_file_is_not_modified(tmp_path):
    path = tmp_path / "mine.csv"
    shutil.copy(DATA / "good" / "semicolon_decimal_comma.csv", path)
    before = path.read_bytes()
    load_cohort(path)
    assert path.read_bytes() == before


# ------------------------------------------------------------------ privacy


def test_identifier_columns_are_refused_unless_allowed(capsys):
    path = DATA / "bad" / "identifier_mrn.csv"
    with pytest.raises(CohortError, match="looks like a record number"):
        load_cohort(path)
    cohort = load_cohort(path, allow_columns=["MRN"])
    assert cohort.attrs["allowed_identifiers"] == ["MRN"]
    assert cli.main(["validate", str(path), "--allow-column", "MRN"]) == 0
    assert "allowed by --allow-column: MRN" in capsys.readouterr().out


def test_allowed_columns_reach_the_loader_through_the_environment(monkeypatch):
    path = DATA / "bad" / "identifier_name.csv"
    monkeypatch.setenv("NETTX_ALLOW_COLUMNS", '["Patient name"]')
    assert "Patient name" in load_cohort(path).columns


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Cognome", "a person's name"),
        ("hospital_number", "a record number (MRN)"),
        ("DateOfBirth", "a date of birth"),
        ("lt_date", "a calendar date"),
        ("E-mail", "an e-mail address"),
        ("tax_code", "a fiscal or insurance code"),
        ("months_lt_to_recurrence", None),
        ("centre", None),
    ],
)
def test_identifier_names(name, kind):
    assert privacy.identifier_kind(name) == kind


def test_no_dictionary_column_looks_like_an_identifier():
    assert [c for c in load_dictionary().names if privacy.identifier_kind(c)] == []


def test_privacy_scan_finds_a_planted_patient_id(tmp_path):
    (tmp_path / "chapter").mkdir()
    (tmp_path / "index.html").write_text("<p>32 patients; median 58.9 (P-0010 is not one)</p>")
    (tmp_path / "chapter" / "page.html").write_text("<td>P-001</td><td>58.9</td>")
    report = privacy.scan_book(tmp_path, ["P-001", "P-002", "7"])
    assert [(h.path.name, h.patient_id) for h in report.hits] == [("page.html", "P-001")]
    assert report.unscannable == ["7"]
    with pytest.raises(NettxError, match=r"chapter/page.html: P-001"):
        privacy.assert_no_patient_ids(tmp_path, ["P-001"])


def test_privacy_scan_passes_a_clean_book(tmp_path):
    (tmp_path / "index.html").write_text("<p>32 patients, median 58.9 months</p>")
    (tmp_path / "fig.html").write_text('<img src="data:image/png;base64,QP-001AAA=="/>')
    assert privacy.assert_no_patient_ids(tmp_path, ["P-001", "P-002"]).clean


def test_privacy_scan_reads_excel_downloads_search_index_and_odd_ids(tmp_path):
    downloads = tmp_path / "_downloads" / "abc"
    downloads.mkdir(parents=True)
    pd.DataFrame({"patient": ["CENTRE-000123"], "months": [12.5]}).to_excel(
        downloads / "table.xlsx", index=False
    )
    (tmp_path / "searchindex.js").write_text('Search.setIndex({"terms": {"c 007": [1]}})')
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\nCENTRE-000124")
    report = privacy.scan_book(tmp_path, ["CENTRE-000123", "CENTRE-000124", "c 007"])
    found = {(h.path.relative_to(tmp_path).parts[:3], h.patient_id) for h in report.hits}
    assert found == {
        (("_downloads", "abc", "table.xlsx"), "CENTRE-000123"),
        (("searchindex.js",), "c 007"),
    }
    assert [p.name for p in report.skipped] == ["logo.png"]


def test_the_synthetic_cohort_is_recognised_by_its_checksum(tmp_path):
    """By the SHA-256 that data/datapackage.json records (CRLF read as LF), wherever the file
    lies; comment lines make no file synthetic."""
    from nettx_utils.project import DEFAULT_COHORT

    descriptor = json.loads((DEFAULT_COHORT.parent / "datapackage.json").read_text())
    recorded = descriptor["resources"][0]["hash"]
    assert recorded == "sha256:" + hashlib.sha256(DEFAULT_COHORT.read_bytes()).hexdigest()
    assert datapackage.recorded_checksum() == recorded.removeprefix("sha256:")
    assert datapackage.is_synthetic() and datapackage.is_synthetic(DEFAULT_COHORT)
    crlf = tmp_path / "crlf.csv"
    crlf.write_bytes(DEFAULT_COHORT.read_bytes().replace(b"\n", b"\r\n"))
    assert datapackage.file_sha256(crlf) == datapackage.file_sha256(DEFAULT_COHORT)
    assert datapackage.is_synthetic(crlf)
    commented = tmp_path / "commented.csv"
    commented.write_bytes(b"# SYNTHETIC DATA - not real patients\n" + DEFAULT_COHORT.read_bytes())
    assert len(load_cohort(commented)) == 32 and not datapackage.is_synthetic(commented)
    assert not datapackage.is_synthetic(DATA / "good" / "base.csv")
    assert not datapackage.is_synthetic(tmp_path / "missing.csv")


def test_without_the_descriptor_nothing_is_synthetic(tmp_path):
    from nettx_utils.project import DEFAULT_COHORT

    assert datapackage.recorded_checksum(tmp_path / "datapackage.json") is None
    assert not datapackage.is_synthetic(DEFAULT_COHORT, descriptor=tmp_path / "datapackage.json")


def test_update_recorded_checksum_rewrites_only_the_hash_and_size(tmp_path):
    """For a cohort file changed by other means than the generator: the descriptor's other
    keys keep their values and order."""
    from nettx_utils.project import DEFAULT_COHORT

    shutil.copy(DEFAULT_COHORT.parent / "datapackage.json", tmp_path / "datapackage.json")
    cohort = tmp_path / "cohort.csv"
    cohort.write_bytes(DEFAULT_COHORT.read_bytes().replace(b"SYN-01,", b"SYN-00,"))
    before = json.loads((tmp_path / "datapackage.json").read_text())
    assert not datapackage.is_synthetic(cohort, descriptor=tmp_path / "datapackage.json")
    checksum = datapackage.update_recorded_checksum(cohort, tmp_path / "datapackage.json")
    after = json.loads((tmp_path / "datapackage.json").read_text())
    assert datapackage.is_synthetic(cohort, descriptor=tmp_path / "datapackage.json")
    assert after["resources"][0]["hash"] == f"sha256:{checksum}" != before["resources"][0]["hash"]
    assert after["resources"][0]["bytes"] == cohort.stat().st_size
    for entry in (before, after):
        del entry["resources"][0]["hash"], entry["resources"][0]["bytes"]
    assert json.dumps(after) == json.dumps(before)
    with pytest.raises(NettxError, match="no descriptor"):
        datapackage.update_recorded_checksum(cohort, tmp_path / "none.json")


# ------------------------------------------------------------------ pipeline


def test_failed_validation_stops_the_pipeline_before_any_notebook(tmp_path, monkeypatch):
    html = tmp_path / "build" / "html"
    html.mkdir(parents=True)
    index = html / "index.html"
    index.write_bytes(b"<html>the previous book</html>")

    def no_notebook(*args, **kwargs):
        raise AssertionError("a notebook started")

    monkeypatch.setattr(execution, "execute_notebook", no_notebook)
    bad = DATA / "bad" / "negative_duration.csv"
    with pytest.raises(CohortError, match="a duration cannot be negative"):
        pipeline.run(build_dir=tmp_path / "build", data_path=bad, report=lambda line: None)
    assert index.read_bytes() == b"<html>the previous book</html>"
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == ["html"]


def test_a_suspicious_value_warns_and_the_pipeline_goes_on(tmp_path, monkeypatch):
    class Started(Exception):
        pass

    def first_notebook(*args, **kwargs):
        raise Started

    monkeypatch.setattr(execution, "execute_all", first_notebook)
    lines: list[str] = []
    with pytest.raises(Started):
        pipeline.run(
            build_dir=tmp_path / "build",
            data_path=DATA / "good" / "warn_long_followup.csv",
            report=lines.append,
        )
    assert [line for line in lines if line.startswith("warning:") and "40 years" in line]


def test_pipeline_refuses_a_cohort_inside_the_build_folder(tmp_path):
    inside = tmp_path / "html" / "mine.csv"
    inside.parent.mkdir()
    shutil.copy(DATA / "good" / "base.csv", inside)
    with pytest.raises(NettxError, match="inside the build folder"):
        pipeline.run(build_dir=tmp_path, data_path=inside, report=lambda line: None)
    assert inside.is_file()


# ------------------------------------------------------------------ templates


def test_templates_name_the_dictionary_columns():
    from nettx_utils.data.reading import read_table
    from nettx_utils.project import DATA_DIR

    names = load_dictionary().names
    assert list(template_frame().columns) == names
    assert (DATA_DIR / "template.csv").read_text().strip() == ",".join(names)
    with pytest.raises(CohortError, match="header but no patients"):
        read_table(DATA_DIR / "template.xlsx")
    sheet = pd.read_excel(DATA_DIR / "template.xlsx", sheet_name="cohort")
    assert list(sheet.columns) == names


def test_example_cohort_passes_validation_as_excel(tmp_path):
    path = tmp_path / "example.xlsx"
    table = example_cohort(120, seed=1)
    assert list(table.columns) != load_dictionary().names
    table.to_excel(path, index=False)
    cohort = load_cohort(path)
    assert len(cohort) == 120 and cohort.attrs["unused_columns"] == ["centre"]
    assert not datapackage.is_synthetic(path)
    pd.testing.assert_frame_equal(example_cohort(120, seed=1), table)


# --------------------------------------------------------------------------- ages


def _consistent_ages(path: Path) -> pd.DataFrame:
    """The synthetic cohort with each age at recurrence made exactly age at LT + TTR / 12."""
    table = pd.read_csv(path)
    table["age_at_recurrence_years"] = (
        table["age_at_lt_years"] + table["months_lt_to_recurrence"] / 12
    ).round(6)
    return table


def _age_warnings(path: Path) -> list[str]:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_cohort(path)
    return [str(w.message) for w in caught if "age_at_recurrence_years" in str(w.message)]


def test_an_age_at_recurrence_off_the_sum_warns_naming_its_row(tmp_path, capsys):
    """Row 4 of the sheet (index 2) gets 3 years more, row 7 (index 5) 1.5 years less."""
    from nettx_utils.project import DEFAULT_COHORT

    table = _consistent_ages(DEFAULT_COHORT)
    table.loc[2, "age_at_recurrence_years"] += 3
    table.loc[5, "age_at_recurrence_years"] -= 1.5
    path = tmp_path / "ages.csv"
    table.to_csv(path, index=False)
    (message,) = _age_warnings(path)
    assert message.startswith("ages.csv: column 'age_at_recurrence_years' differs by +3.0, -1.5")
    assert str(path.parent) not in message  # a warning names the file, not its folder
    assert "at rows 4, 7 (more than 1 year" in message
    assert cli.main(["validate", str(path)]) == 0  # a warning: the file is accepted
    captured = capsys.readouterr()
    assert "warning:" in captured.err and "rows 4, 7" in captured.err
    assert "OK." in captured.out


def test_an_age_gap_within_the_tolerance_is_accepted_silently(tmp_path):
    """0.9 years off (whole-year ages can do that) is rounding; 1.1 years is not."""
    from nettx_utils.data.cohort import AGE_TOLERANCE_YEARS
    from nettx_utils.project import DEFAULT_COHORT

    assert AGE_TOLERANCE_YEARS == 1.0
    table = _consistent_ages(DEFAULT_COHORT)
    table.loc[0, "age_at_recurrence_years"] += 0.9
    table.loc[1, "age_at_recurrence_years"] -= 0.9
    path = tmp_path / "close.csv"
    table.to_csv(path, index=False)
    assert _age_warnings(path) == []
    table.loc[0, "age_at_recurrence_years"] += 0.2
    table.to_csv(path, index=False)
    (message,) = _age_warnings(path)
    assert "differs by +1.1 years" in message and "at row 2 (" in message


# ------------------------------------------------------- several errors at once (issue 14)


def _text_cohort(n: int) -> pd.DataFrame:
    """The good base cohort's rows repeated to ``n`` patients, as text, with new ids."""
    base = pd.read_csv(DATA / "good" / "base.csv", dtype=str, keep_default_na=False)
    table = base.iloc[[i % len(base) for i in range(n)]].reset_index(drop=True)
    table["patient_id"] = [f"P-{i:04d}" for i in range(n)]
    return table


def _message(table: pd.DataFrame, tmp_path: Path, capsys) -> str:
    path = tmp_path / "planted.csv"
    table.to_csv(path, index=False)
    assert cli.main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: ") and err.count("error:") == 1
    assert "Traceback" not in err
    return err


def test_errors_planted_in_several_columns_are_each_reported_with_their_rows(tmp_path, capsys):
    table = _text_cohort(40)
    table.loc[[3, 17], "sex"] = "alien"
    table.loc[5:11, "age_at_lt_years"] = "-1"  # 7 rows: the first 5 shown, then a count
    table.loc[2, "n_pre_lt_lrt"] = "1.5"
    table.loc[30, "mib1_lt_pct"] = "150"
    table.loc[20, "died"] = "maybe"
    err = _message(table, tmp_path, capsys)
    expected = [  # dictionary order; spreadsheet rows (the header is row 1)
        "column 'sex' has unknown value(s) 'alien', 'alien' at rows 5, 19; "
        "expected one of female, male.",
        "column 'age_at_lt_years' has value(s) '-1', '-1', '-1', '-1', '-1' at rows "
        "7, 8, 9, 10, 11 and 2 more; expected 0 to 100 years.",
        "column 'n_pre_lt_lrt' has non-integer value(s) '1.5' at row 4; expected a whole number.",
        "column 'mib1_lt_pct' has value(s) '150' at row 32; expected 0 to 100 %.",
        "column 'died' has 'maybe' at row 22; expected 0/1 (or yes/no, true/false).",
    ]
    positions = [err.find(text) for text in expected]
    assert -1 not in positions, err
    assert positions == sorted(positions)
    assert len(err.strip().splitlines()) == len(expected)  # one line per broken column


def test_rules_across_columns_are_each_reported_with_their_rows(tmp_path, capsys):
    table = _text_cohort(40)
    table.loc[25, "patient_id"] = " P-0001 "  # the same code as row 3 once stripped
    alive = table.index[table["died"] == "0"][:2]
    table.loc[alive, "death_cause"] = "other"
    followup = pd.to_numeric(table.loc[10, "months_recurrence_to_last_followup"])
    table.loc[10, "months_recurrence_to_untreatable_progression"] = f"{followup + 5:g}"
    dead = table.index[table["died"] == "1"][-1]
    table.loc[dead, "disease_free_at_last_followup"] = "1"
    err = _message(table, tmp_path, capsys)
    rows = ", ".join(str(i + 2) for i in alive)
    expected = [
        "column 'patient_id' repeats 'P-0001' at rows 3, 27; expected one row per patient.",
        f"column 'death_cause' is filled for patients with died = 0 at rows {rows};",
        "column 'months_recurrence_to_untreatable_progression' exceeds "
        "'months_recurrence_to_last_followup' at row 12;",
        f"column 'disease_free_at_last_followup' is 1 for patients who died at row {dead + 2};",
    ]
    positions = [err.find(text) for text in expected]
    assert -1 not in positions, err
    assert positions == sorted(positions)


def test_repeated_identifiers_match_pandas_duplicated():
    from nettx_utils.data.cohort import _Cells

    rng = np.random.default_rng(14)
    codes = [f"C-{i}" for i in rng.integers(0, 300, 500)]
    padded = [f"{' ' * rng.integers(0, 2)}{c}{' ' * rng.integers(0, 2)}" for c in codes]
    for raw in (pd.Series(codes, dtype="category"), pd.Series(padded, dtype="category")):
        expected = pd.Series(codes).duplicated(keep=False).to_numpy()
        assert (_Cells(raw).repeated() == expected).all()
        assert _Cells(raw).repeated().sum() > 0


def test_a_million_offending_rows_are_listed_compactly():
    from nettx_utils.data.cohort import _rows

    assert _rows(pd.RangeIndex(1_000_000)) == "rows 2, 3, 4, 5, 6 and 999995 more"
    assert _rows(pd.Index([7])) == "row 9"
