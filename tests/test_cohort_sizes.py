"""The book on cohorts that are not the synthetic one, at 5 and at 100 000 patients.

Each cohort is drawn from the synthetic cohort and given new, distinctive ids
(``CENTRE-000001``...), so its checksum marks it as real patients: the
pipeline scans the built book for every id, chapters show no per-patient
figure, and the published values are not set beside the numbers. The cohorts
are written in the tests' temporary folders; the real pipeline builds them.

* 5 patients, one death: subgroups are empty, Kaplan-Meier curves have 0 or 1
  event, and two variables the dictionary lets be missing (Mib-1 and CgA at
  recurrence) are missing for everyone. Every chapter must show a note there,
  not crash.
* 100 000 patients: the same chapters, with the per-patient figures switched to
  distributions above :data:`nettx_utils.figures.style.PER_PATIENT_LIMIT` patients, as
  the pages say.

These tests build the whole book (minutes); they are marked slow.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nettx_utils import project
from nettx_utils.build import pipeline, reuse
from nettx_utils.data import datapackage, privacy
from nettx_utils.data.cohort import load_cohort
from nettx_utils.data.reading import read_table
from nettx_utils.data.template import example_cohort
from nettx_utils.figures.style import PER_PATIENT_LIMIT
from nettx_utils.project import DEFAULT_COHORT

pytestmark = pytest.mark.slow

UNMEASURED = ("mib1_recurrence_pct", "cga_recurrence_ng_ml", "cga_recurrence_elevated")
"""Variables the dictionary lets be missing, left empty for every patient of the small cohort."""


def _with_ids(table: pd.DataFrame) -> pd.DataFrame:
    table = table.reset_index(drop=True)
    table["patient_id"] = [f"CENTRE-{i:06d}" for i in range(1, len(table) + 1)]
    return table


def small_cohort(path: Path) -> Path:
    """Five patients of the synthetic cohort, one who died and four alive, some variables unmeasured."""
    cells = read_table(DEFAULT_COHORT)
    died = load_cohort(DEFAULT_COHORT)["died"].to_numpy(dtype=bool)
    rows = [int(np.flatnonzero(died)[0]), *np.flatnonzero(~died)[:4].tolist()]
    table = _with_ids(cells.iloc[rows].astype(str))
    for column in UNMEASURED:
        table[column] = ""
    table.to_csv(path, index=False)
    return path


def large_cohort(path: Path, n: int = 100_000, seed: int = 6) -> Path:
    """``n`` patients drawn with replacement, ages, durations, Mib-1 and CgA jittered
    (:func:`nettx_utils.data.template.example_cohort`: other column order, yes/no booleans)."""
    table = example_cohort(n, seed=seed)
    table["patient_id"] = [f"CENTRE-{i:06d}" for i in range(1, n + 1)]
    table.to_csv(path, index=False)
    return path


def _chapters() -> list[str]:
    return [notebook.stem for notebook in project.source_notebooks()]


def _page_text(html_dir: Path, stem: str) -> str:
    """A chapter page's visible text (tags and scripts removed, whitespace squeezed)."""
    page = (html_dir / "book" / "computed" / f"{stem}.html").read_text(encoding="utf-8")
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def _record(build_dir: Path, stem: str) -> dict:
    import json

    return json.loads((build_dir / "source" / reuse.COMPUTED / f"{stem}.json").read_text())


def _svg_ids(build_dir: Path, name: str) -> list[str]:
    svg = (build_dir / "results" / "figures" / f"{name}.svg").read_text(encoding="utf-8")
    return re.findall(r'id="(trajectory-[a-z]+)', svg)


@pytest.fixture(scope="module")
def small_book(tmp_path_factory) -> tuple[pipeline.RunResult, pd.DataFrame]:
    """The whole book built on the 5-patient cohort, with a canary column that only a
    row-level listing of the cohort could show."""
    folder = tmp_path_factory.mktemp("small")
    path = small_cohort(folder / "centre.csv")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table["ward_note"] = [f"ROWMARK-{i}X" for i in range(1, len(table) + 1)]
    table.to_csv(path, index=False)
    result = pipeline.run(build_dir=folder / "build", data_path=path, report=lambda line: None)
    return result, table


def test_the_test_cohorts_are_not_the_synthetic_one(tmp_path):
    small = load_cohort(small_cohort(tmp_path / "small.csv"))
    assert len(small) == 5 and int(small["died"].sum()) == 1
    assert small[list(UNMEASURED)].isna().all().all()
    assert not datapackage.is_synthetic(tmp_path / "small.csv")
    large = large_cohort(tmp_path / "large.csv", n=2_000)
    assert len(load_cohort(large)) == 2_000 and not datapackage.is_synthetic(large)


def _error_outputs(build_dir: Path, stem: str) -> list[str]:
    import nbformat

    notebook = nbformat.read(build_dir / "source" / reuse.COMPUTED / f"{stem}.ipynb", 4)
    return [
        output.get("ename", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]


def test_every_chapter_builds_on_five_patients(small_book):
    result, table = small_book
    assert list(result.executed) == _chapters()
    for stem in _chapters():
        assert not _error_outputs(result.html_dir.parent, stem), stem
        text = _page_text(result.html_dir, stem)
        assert "Traceback" not in text, stem
        assert "nan%" not in text, stem
        assert f"your cohort ({len(table)} patients)" in text, stem


def test_empty_subgroups_and_unmeasured_variables_give_notes_on_the_page(small_book):
    result, _ = small_book
    screen = _page_text(result.html_dir, "05_prognostic_factors")
    assert "only one group in this cohort: no test" in screen
    assert "no patient in" in screen
    assert "Mann-Whitney, asymptotic, p not computable" in screen
    assert "not estimable (no patient followed that long)" in screen
    logrank = _page_text(result.html_dir, "09_logrank_by_hand")
    assert "The log-rank test cannot be computed on these data" in logrank
    recurrence = _page_text(result.html_dir, "02_recurrence")
    assert "Spearman needs at least 3 complete pairs, got 0" in recurrence


def test_no_patient_id_and_no_row_of_the_cohort_anywhere_in_the_small_book(small_book):
    result, table = small_book
    build_dir = result.html_dir.parent
    canaries = list(table["patient_id"]) + list(table["ward_note"])
    for folder in (result.html_dir, build_dir / "results"):
        report = privacy.scan_book(folder, canaries)
        assert report.clean, [(h.path.name, h.patient_id, h.context) for h in report.hits[:5]]
        assert not report.unscannable
    report = privacy.scan_book(result.html_dir, canaries)
    skipped = set(report.skipped)
    scanned = {p.suffix for p in result.html_dir.rglob("*") if p.is_file() and p not in skipped}
    assert {".html", ".js", ".txt", ".ipynb", ".csv", ".xlsx", ".svg", ".md"} <= scanned
    assert report.files > 100


def test_the_scan_finds_an_id_planted_in_a_copy_of_the_book(small_book, tmp_path):
    result, table = small_book
    copy = tmp_path / "html"
    shutil.copytree(result.html_dir, copy)
    page = copy / "book" / "computed" / "04_outcomes.html"
    patient = table["patient_id"].iloc[2]
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "</table>", f"<tr><td>{patient}</td></tr></table>", 1
        ),
        encoding="utf-8",
    )
    index = next(copy.rglob("searchindex.js"))
    index.write_text(index.read_text(encoding="utf-8") + f"\n// {table['ward_note'].iloc[0]}")
    with pytest.raises(privacy.NettxError, match=r"04_outcomes\.html") as info:
        privacy.assert_no_patient_ids(copy, list(table["patient_id"]) + list(table["ward_note"]))
    assert patient in str(info.value) and "searchindex.js" in str(info.value)


def test_per_patient_figures_are_off_for_a_real_cohort_and_the_page_says_so(small_book):
    result, _ = small_book
    build_dir = result.html_dir.parent
    ids = _svg_ids(build_dir, "02_figure_1_mib1")
    assert "trajectory-note" in ids and "trajectory-line" not in ids
    assert _record(build_dir, "08_censoring_and_followup")["follow_up_per_patient"] is False
    for stem in ("02_recurrence", "08_censoring_and_followup"):
        text = _page_text(result.html_dir, stem)
        assert re.search(rf"(above|more than) {PER_PATIENT_LIMIT} patients", text), stem
        assert "per_patient_figures" in text, stem


def test_the_synthetic_book_shows_its_per_patient_figures(default_book):
    build_dir = default_book.html_dir.parent
    ids = _svg_ids(build_dir, "02_figure_1_mib1")
    cohort = load_cohort(DEFAULT_COHORT)
    mib1 = cohort[["mib1_primary_pct", "mib1_lt_pct", "mib1_recurrence_pct"]]
    assert ids.count("trajectory-line") == int((mib1.notna().sum(axis=1) >= 2).sum())
    assert "trajectory-note" not in ids
    assert _record(build_dir, "08_censoring_and_followup")["follow_up_per_patient"] is True


def test_the_book_builds_on_a_registry_cohort_with_figures_aggregated(tmp_path):
    """1,000 patients: above the per-patient limit, so every per-patient figure is aggregated.
    The whole book on 100,000 patients is a benchmark case (`python -m bench --cases book-registry`): it
    tests speed and memory, and takes minutes."""
    n = 1_000
    path = large_cohort(tmp_path / "registry.csv", n=n)
    result = pipeline.run(
        build_dir=tmp_path / "build",
        data_path=path,
        parameters={
            "per_patient_figures": True,  # opted in: the size alone switches them off
            "n_permutations": 999,  # chapter 11: 10 000 permutations take minutes at this size
            "n_permutations_fixed": 999,  # and its test at a fixed cut-off (100 000 by default)
            "n_bootstrap": 20,  # chapter 12: as many Cox refits
        },
        report=lambda line: None,
    )
    build_dir = result.html_dir.parent
    assert list(result.executed) == _chapters()
    ids = _svg_ids(build_dir, "02_figure_1_mib1")
    assert "trajectory-violin" in ids and "trajectory-line" not in ids
    assert _record(build_dir, "08_censoring_and_followup")["follow_up_per_patient"] is False
    for stem in _chapters():
        assert f"your cohort ({n} patients)" in _page_text(result.html_dir, stem), stem
    patients = pd.read_csv(path, usecols=["patient_id"])["patient_id"]
    assert privacy.scan_book(result.html_dir, patients).clean
    for page in result.html_dir.rglob("*.html"):  # no table with a row per patient
        # (the report's tables have a fixed ~180 rows, whatever the cohort's size)
        assert page.read_text(encoding="utf-8").count("<tr") < len(patients) // 2, page.name


def test_a_chapter_that_leaks_ids_is_refused_and_the_previous_book_kept(small_book, tmp_path):
    """A chapter that writes the patients' ids into its exports: the pipeline's own scan
    (book and exports) refuses the build, and the previous book stays byte-identical."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    result, table = small_book
    build_dir = result.html_dir.parent
    index_before = (result.html_dir / "index.html").read_bytes()
    notebook_dir = tmp_path / "notebooks"
    notebook_dir.mkdir()
    for notebook in project.source_notebooks():
        shutil.copy2(notebook, notebook_dir / notebook.name)
    leak = new_notebook(
        cells=[
            new_code_cell("data_path = None", metadata={"tags": ["parameters"]}),
            new_code_cell(
                "import os, pathlib\n"
                "import pandas as pd\n"
                "out = pathlib.Path(os.environ['NETTX_RECORD_DIR']) / 'results'\n"
                "out.mkdir(exist_ok=True)\n"
                "pd.read_csv(data_path)[['patient_id']].to_csv(out / '99_leak.csv')"
            ),
        ]
    )
    leak.metadata = nbformat.read(project.source_notebooks()[0], 4).metadata  # its kernel
    nbformat.write(leak, notebook_dir / "99_leak.ipynb")
    with pytest.raises(privacy.NettxError, match=r"99_leak\.csv") as info:
        pipeline.run(
            build_dir=build_dir,
            data_path=build_dir.parent / "centre.csv",
            notebook_dir=notebook_dir,
            only=["99"],
            report=lambda line: None,
        )
    assert table["patient_id"].iloc[0] in str(info.value)
    assert (result.html_dir / "index.html").read_bytes() == index_before


def test_chapter_7_lists_no_patient_rows_for_a_real_cohort(small_book):
    result, _ = small_book
    text = _page_text(result.html_dir, "07_kaplan_meier_by_hand")
    assert "The eight shortest follow-up times (1 = died, 0 = censored): not shown" in text
