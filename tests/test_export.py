"""Tests of nettx_utils.pages.export: tables and figures saved for a manuscript, and their links."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image

from nettx_utils.errors import NettxError
from nettx_utils.formatting import format_p, styled
from nettx_utils.pages.export import FIGURE_DPI, links_markdown
from nettx_utils.pages.figure_export import save_figure
from nettx_utils.pages.provenance import SYNTHETIC_CAPTION, data_label, simulation_label
from nettx_utils.pages.table_export import (
    ABOUT_SHEET,
    CAPTION_COLUMN,
    SOURCE_COLUMN,
    save_table,
    shown_table,
    table_caption,
)


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["early", "late", "all"],
            "n": [10, 22, 32],
            "median_months": [21.123456789, 80.5, np.nan],
            "note": ["α ≥ 2 %", "", "comma, inside"],
        }
    )


@pytest.fixture
def figure() -> Figure:
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.step([0, 12, 24, 36], [1, 0.8, 0.6, 0.5], where="post", label="Kaplan-Meier")
    ax.set_xlabel("Months after recurrence")
    ax.set_ylabel("Survival")
    ax.set_title("Overall survival")
    ax.legend()
    return fig


def test_save_table_writes_csv_and_xlsx(tmp_path: Path, table: pd.DataFrame):
    paths = save_table(table, "table1_characteristics", tmp_path, synthetic=False)
    assert paths == [
        tmp_path / "tables" / "table1_characteristics.csv",
        tmp_path / "tables" / "table1_characteristics.xlsx",
    ]
    assert all(path.is_file() and path.stat().st_size > 0 for path in paths)


def test_a_dataframe_round_trips_at_full_precision(tmp_path: Path, table: pd.DataFrame):
    csv, _ = save_table(table, "t", tmp_path, synthetic=False)
    back = pd.read_csv(csv, keep_default_na=False, na_values=[""]).drop(columns=SOURCE_COLUMN)
    back["note"] = back["note"].fillna("")
    pd.testing.assert_frame_equal(back, table)


def test_xlsx_opens_with_openpyxl_and_holds_the_cells(tmp_path: Path, table: pd.DataFrame):
    _, xlsx = save_table(table, "t", tmp_path, synthetic=False)
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["t", ABOUT_SHEET]
    rows = list(book["t"].iter_rows(values_only=True))
    assert rows[0] == ("group", "n", "median_months", "note", SOURCE_COLUMN)
    assert rows[1][:4] == ("early", 10, 21.123456789, "α ≥ 2 %")
    assert rows[3][2] is None  # a missing value is an empty cell
    assert len(rows) == 1 + len(table)


def test_meaningful_index_is_written_and_round_trips(tmp_path: Path, table: pd.DataFrame):
    indexed = table.set_index("group")
    csv, xlsx = save_table(indexed, "indexed", tmp_path, synthetic=False)
    back = pd.read_csv(csv, index_col=0, keep_default_na=False, na_values=[""])
    back = back.drop(columns=SOURCE_COLUMN)
    back["note"] = back["note"].fillna("")
    pd.testing.assert_frame_equal(back, indexed)
    first = next(openpyxl.load_workbook(xlsx).active.iter_rows(values_only=True))
    assert first[0] == "group"


@pytest.fixture
def view() -> pd.io.formats.style.Styler:
    """A table as a chapter shows it: a 3-decimal column, a p column, a bool and a %."""
    frame = pd.DataFrame(
        {
            "Comparison": ["early vs late", "surgery", "all"],
            "Spearman's ρ": [0.77425, -0.2083333, np.nan],
            "P": [format_p(p, 4) for p in (0.0000123, 0.04567, np.nan)],
            "Significant": [True, False, False],
            "Survival": [0.8125, 0.59375, 1.0],
            "Patients": ["12 (37.5)", "20 (62.5)", "32"],
        }
    )
    formats = {"Spearman's ρ": "{:.3f}", "Survival": "{:.1%}"}
    return styled(frame, "Correlations", formats).hide(axis="index")


def test_a_styler_is_exported_as_the_page_shows_it(tmp_path: Path, view):
    csv, xlsx = save_table(view, "shown", tmp_path, synthetic=True)
    text = csv.read_text(encoding="utf-8").splitlines()
    header = "Comparison,Spearman's ρ,P,Significant,Survival (%),Patients,Caption,Data source"
    assert text[0] == header
    assert text[1].startswith("early vs late,0.774,< 0.0001,Yes,81.2,12 (37.5),")
    assert text[3].startswith("all,,")  # a missing number is an empty cell, not "–"
    back = pd.read_csv(csv)
    assert back["Spearman's ρ"].tolist()[:2] == [0.774, -0.208]  # numbers, rounded as shown
    assert back["Spearman's ρ"].isna().tolist() == [False, False, True]
    p_text = pd.read_csv(csv, keep_default_na=False)["P"].tolist()
    assert p_text == ["< 0.0001", "0.0457", "NA"]  # text stays text
    assert back["Significant"].tolist() == ["Yes", "No", "No"]
    assert back["Survival (%)"].tolist() == [81.2, 59.4, 100.0]
    sheet = openpyxl.load_workbook(xlsx)["shown"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Comparison", "Spearman's ρ", "P", "Significant", "Survival (%)", "Patients",
        CAPTION_COLUMN, SOURCE_COLUMN,
    )  # fmt: skip
    assert rows[1][1] == 0.774 and sheet["B2"].number_format == "0.000"
    assert rows[1][2] == "< 0.0001" and rows[1][3] == "Yes" and rows[1][5] == "12 (37.5)"
    # one convention for every percentage: the number of percent shown, under "(%)"
    assert rows[1][4] == 81.2 and sheet["E2"].number_format == "0.0"
    assert sheet["B4"].value is None and sheet["A1"].font.bold
    assert rows[3][5] == 32 and sheet["F4"].number_format == "0"  # a bare count is a number


def test_shown_table_keeps_a_labelled_index_and_drops_a_default_one():
    frame = pd.DataFrame({"x": [1.25, 2.5]}, index=pd.Index(["a", "b"], name="Group"))
    shown = shown_table(frame.style.format("{:.1f}"))
    assert shown.headers == ["Group", "x"]
    assert [[c.csv for c in row] for row in shown.rows] == [["a", "1.2"], ["b", "2.5"]]
    plain = shown_table(frame.reset_index(drop=True).style.format("{:.1f}"))
    assert plain.headers == ["x"]


def test_signed_and_scientific_numbers_keep_their_look_in_excel(tmp_path: Path):
    frame = pd.DataFrame({"d": ["+0.774", "-0.208"], "e": [1.2e-5, 3.4e-7]})
    _, xlsx = save_table(
        frame.style.format({"e": "{:.1e}"}).hide(axis="index"), "s", tmp_path, synthetic=False
    )
    sheet = openpyxl.load_workbook(xlsx)["s"]
    assert sheet["A2"].value == 0.774 and sheet["A2"].number_format.startswith("+0.000;")
    assert sheet["B2"].value == pytest.approx(1.2e-5) and sheet["B2"].number_format == "0.0E+00"


def test_a_missing_p_value_is_an_empty_cell_like_a_missing_number(tmp_path: Path):
    frame = pd.DataFrame({"z": [np.nan, 2.1, 3.9], "p": [np.nan, 0.0357, 0.00009]})
    view = frame.style.format({"z": "{:.2f}", "p": format_p}, na_rep="–").hide(axis="index")
    csv, _ = save_table(view, "p", tmp_path, synthetic=False)
    back = pd.read_csv(csv, keep_default_na=False, dtype=str)
    assert back["z"].tolist()[0] == "" and back["p"].tolist() == ["", "0.036", "< 0.001"]


def test_styler_hidden_columns_are_left_out(tmp_path: Path, table: pd.DataFrame):
    csv, xlsx = save_table(
        table.style.hide(["note"], axis="columns"), "hidden", tmp_path, synthetic=False
    )
    assert list(pd.read_csv(csv).columns) == ["group", "n", "median_months", SOURCE_COLUMN]
    header = next(openpyxl.load_workbook(xlsx).active.iter_rows(values_only=True))
    assert header == ("group", "n", "median_months", SOURCE_COLUMN)


def test_multilevel_columns_are_flattened(tmp_path: Path):
    frame = pd.DataFrame(
        [[1, 2], [3, 4]], columns=pd.MultiIndex.from_tuples([("OS", "median"), ("OS", "n")])
    )
    csv, xlsx = save_table(frame, "multi", tmp_path, synthetic=False)
    assert list(pd.read_csv(csv).columns) == ["OS / median", "OS / n", SOURCE_COLUMN]
    assert openpyxl.load_workbook(xlsx).active["A1"].value == "OS / median"


@pytest.mark.parametrize("name", ["", "../escape", "a/b", "with space", "t.csv.", "-x", "x`y"])
def test_bad_names_are_refused(tmp_path: Path, table: pd.DataFrame, name: str):
    with pytest.raises(NettxError, match="cannot name a results file"):
        save_table(table, name, tmp_path, synthetic=False)
    assert not (tmp_path / "tables").exists()


def test_save_table_refuses_other_objects(tmp_path: Path):
    with pytest.raises(NettxError, match="DataFrame or Styler"):
        save_table([[1, 2]], "t", tmp_path, synthetic=False)


def test_save_figure_writes_300_dpi_png_and_svg_with_text(tmp_path: Path, figure: Figure):
    png, svg = save_figure(figure, "figure3b_os_recurrence", tmp_path, synthetic=False)
    assert png == tmp_path / "figures" / "figure3b_os_recurrence.png"
    assert svg == tmp_path / "figures" / "figure3b_os_recurrence.svg"
    with Image.open(png) as image:
        assert image.format == "PNG"
        assert tuple(round(d) for d in image.info["dpi"]) == (FIGURE_DPI, FIGURE_DPI)
        assert image.width >= 4 * FIGURE_DPI * 0.8  # 4 in wide, less the tight crop
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", text)
    assert {"Overall survival", "Months after recurrence", "Kaplan-Meier"} <= set(labels)
    assert "<dc:date>" not in text


def test_svg_is_reproducible(tmp_path: Path, figure: Figure):
    _, first = save_figure(figure, "a", tmp_path, synthetic=False)
    _, second = save_figure(figure, "b", tmp_path, synthetic=False)
    assert first.read_bytes() == second.read_bytes()


def test_save_figure_takes_an_axes(tmp_path: Path, figure: Figure):
    png, _ = save_figure(figure.axes[0], "from_axes", tmp_path, synthetic=False)
    assert png.is_file()
    with pytest.raises(NettxError, match="matplotlib Figure"):
        save_figure("not a figure", "x", tmp_path, synthetic=False)


def test_links_markdown_uses_download_roles_relative_to_the_page(
    tmp_path: Path, table: pd.DataFrame, figure: Figure
):
    page_dir = tmp_path / "book" / "computed"
    page_dir.mkdir(parents=True)
    paths = save_table(table, "t1", page_dir / "results", synthetic=False) + save_figure(
        figure, "f1", page_dir / "results", synthetic=False
    )
    snippet = links_markdown(paths, base=page_dir)
    assert snippet.splitlines() == [
        "- {download}`t1.csv <results/tables/t1.csv>` (CSV)",
        "- {download}`t1.xlsx <results/tables/t1.xlsx>` (Excel)",
        "- {download}`f1.png <results/figures/f1.png>` (PNG, 300 dpi)",
        "- {download}`f1.svg <results/figures/f1.svg>` (SVG, vector)",
    ]
    up = links_markdown([tmp_path / "results" / "x.csv"], base=page_dir)
    assert up == "- {download}`x.csv <../../results/x.csv>` (CSV)"


def test_links_markdown_refuses_targets_that_break_the_role(tmp_path: Path):
    with pytest.raises(NettxError, match="download link"):
        links_markdown([tmp_path / "a<b>.csv"], base=tmp_path)


# ---------------------------------------------------------------- the synthetic label


def _svg_texts(svg: Path) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg.read_text())


def _ink_rows(png: Path) -> np.ndarray:
    """Indices of the pixel rows of ``png`` that hold anything darker than near-white."""
    with Image.open(png) as image:
        grey = np.asarray(image.convert("L"))
    return np.flatnonzero((grey < 200).any(axis=1))


def test_synthetic_table_carries_the_label_in_every_row_and_an_about_sheet(
    tmp_path: Path, table: pd.DataFrame
):
    csv, xlsx = save_table(table.set_index("group"), "t", tmp_path, synthetic=True)
    back = pd.read_csv(csv, index_col=0)  # read.csv-style defaults still work
    assert list(back.columns) == ["n", "median_months", "note", SOURCE_COLUMN]
    assert (back[SOURCE_COLUMN] == SYNTHETIC_CAPTION).all() and len(back) == len(table)
    assert back["n"].tolist() == table["n"].tolist()
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["t", ABOUT_SHEET]
    rows = list(book["t"].iter_rows(values_only=True))
    assert rows[0] == ("group", "n", "median_months", "note", SOURCE_COLUMN)
    assert all(row[-1] == SYNTHETIC_CAPTION for row in rows[1:]) and len(rows) == 4
    about = [row[0] for row in book[ABOUT_SHEET].iter_rows(values_only=True)]
    assert SYNTHETIC_CAPTION in about and any("Sposito" in str(line) for line in about)


def test_user_cohort_table_names_its_file_and_version_not_its_path(
    tmp_path: Path, table: pd.DataFrame
):
    from nettx_utils import __version__

    private = tmp_path / "Dr Maria Rossi" / "centre.csv"
    csv, xlsx = save_table(table, "t", tmp_path, synthetic=False, cohort_file=private)
    label = data_label(False, private)
    assert "centre.csv" in label and __version__ in label and "Rossi" not in label
    assert "ynthetic" not in csv.read_text() and "Rossi" not in csv.read_text()
    assert set(pd.read_csv(csv)[SOURCE_COLUMN]) == {label}
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["t", ABOUT_SHEET]
    cells = [str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row]
    assert not any("ynthetic" in c or "Rossi" in c for c in cells)
    assert label in cells and any("not the paper's patients" in c for c in cells)


def test_a_table_that_has_the_label_column_is_refused(tmp_path: Path, table: pd.DataFrame):
    with pytest.raises(NettxError, match="already has a column"):
        save_table(table.assign(**{SOURCE_COLUMN: "x"}), "t", tmp_path, synthetic=True)


def test_synthetic_figure_draws_the_label_under_its_content(tmp_path: Path, figure: Figure):
    plain_png = tmp_path / "plain.png"
    figure.savefig(plain_png, dpi=FIGURE_DPI, bbox_inches="tight")
    png, svg = save_figure(figure, "labelled", tmp_path, synthetic=True)
    assert SYNTHETIC_CAPTION in _svg_texts(svg)
    with Image.open(png) as image, Image.open(plain_png) as plain:
        assert image.info.get("Description") == SYNTHETIC_CAPTION
        assert "Description" not in plain.info
        assert image.width >= plain.width and image.height > plain.height
        taller = image.height - plain.height
    # the extra rows are the footer: ink below the plain figure's last inked row
    ink = _ink_rows(png)
    assert ink[-1] > _ink_rows(plain_png)[-1] and taller > 0.05 * FIGURE_DPI
    # the figure itself is left as it was, and saving again gives the same file
    assert not [t for t in figure.texts if t.get_gid() == "export-data-label"]
    _, again = save_figure(figure, "labelled_again", tmp_path, synthetic=True)
    assert again.read_bytes() == svg.read_bytes()


def test_the_label_is_not_clipped_on_a_narrow_figure(tmp_path: Path):
    narrow = Figure(figsize=(2.0, 1.5))
    narrow.add_subplot().plot([0, 1], [0, 1])
    png, svg = save_figure(narrow, "narrow", tmp_path, synthetic=True)
    assert SYNTHETIC_CAPTION in _svg_texts(svg)
    with Image.open(png) as image:
        grey = np.asarray(image.convert("L"))
    assert (grey[:, -1] > 200).all() and (grey[-1, :] > 200).all()  # nothing cut at the edges


def test_a_simulation_figure_says_so_and_names_its_seed_on_every_cohort(
    tmp_path: Path, figure: Figure
):
    """Chapter 13's power figure holds no patient data: its files must not claim a cohort."""
    from nettx_utils import __version__

    expected = (
        f"Simulated studies (seed 2021) by nettx {__version__}; "
        "no patient data, synthetic or real, enter it."
    )
    assert simulation_label(2021) == expected
    for synthetic, cohort in ((True, None), (False, "centre300.csv")):
        png, svg = save_figure(
            figure, f"power_{synthetic}", tmp_path, synthetic=synthetic,
            cohort_file=cohort, simulation_seed=2021,
        )  # fmt: skip
        texts = _svg_texts(svg)
        assert expected in texts
        assert not any("ynthetic data" in t or "your cohort" in t for t in texts)
        with Image.open(png) as image:
            assert image.info.get("Description") == expected
    with pytest.raises(NettxError, match="whole number"):
        simulation_label(2.5)


def test_a_table_carries_its_page_caption_in_a_column_and_the_about_sheet(
    tmp_path: Path, table: pd.DataFrame
):
    caption = "Survival at the landmarks, 95% CI (log-log scale); intervals not published"
    view = styled(table, caption, {"median_months": "{:.1f}"})
    assert table_caption(view) == caption
    csv, xlsx = save_table(view, "t", tmp_path, synthetic=True)
    back = pd.read_csv(csv)
    assert list(back.columns[-2:]) == [CAPTION_COLUMN, SOURCE_COLUMN]
    assert set(back[CAPTION_COLUMN]) == {caption + "."}  # on every row, as a sentence
    book = openpyxl.load_workbook(xlsx)
    header = [cell.value for cell in book["t"][1]]
    assert header[-2:] == [CAPTION_COLUMN, SOURCE_COLUMN]
    assert book["t"].cell(row=2, column=len(header) - 1).value == caption + "."
    about = [row[0] for row in book[ABOUT_SHEET].iter_rows(values_only=True)]
    assert f"Table: {caption}." in about
    # a caption passed explicitly wins, and a plain DataFrame can carry one too
    csv, _ = save_table(table, "raw", tmp_path, synthetic=True, caption="Raw rows.")
    assert set(pd.read_csv(csv)[CAPTION_COLUMN]) == {"Raw rows."}
    # without any caption there is no empty column
    csv, _ = save_table(table, "none", tmp_path, synthetic=True)
    assert CAPTION_COLUMN not in pd.read_csv(csv).columns


def test_the_marks_legend_follows_the_caption_only_where_a_mark_is_shown(tmp_path: Path):
    marked = pd.DataFrame({"Dead": ["11 (34.4)"], "Paper": ["11 (34.4)"], "": ["✓"]})
    legend = "✓ when the value rounds to the paper's."
    csv, _ = save_table(
        styled(marked, "Table 2"), "m", tmp_path, synthetic=True, marks_legend=legend
    )
    assert set(pd.read_csv(csv)[CAPTION_COLUMN]) == {f"Table 2. {legend}"}
    plain = marked.drop(columns="")
    csv, _ = save_table(
        styled(plain, "Table 2"), "p", tmp_path, synthetic=True, marks_legend=legend
    )
    assert set(pd.read_csv(csv)[CAPTION_COLUMN]) == {"Table 2."}


def test_every_percentage_column_holds_the_number_of_percent_in_both_files(tmp_path: Path):
    """One convention for a page's 57.2% and for a number under a "(%)" header."""
    frame = pd.DataFrame({"Survival": [0.572], "5-y OS (%)": [57.2], "%": [50.0]})
    view = styled(frame, "c", {"Survival": "{:.1%}", "5-y OS (%)": "{:.1f}", "%": "{:.1f}"})
    csv, xlsx = save_table(view, "pct", tmp_path, synthetic=True)
    back = pd.read_csv(csv)
    assert list(back.columns[:3]) == ["Survival (%)", "5-y OS (%)", "%"]
    assert back.iloc[0, :3].tolist() == [57.2, 57.2, 50.0]
    sheet = openpyxl.load_workbook(xlsx)["pct"]
    assert [c.value for c in sheet[1]][:3] == ["Survival (%)", "5-y OS (%)", "%"]
    assert [c.value for c in sheet[2]][:3] == [57.2, 57.2, 50.0]
    assert [c.number_format for c in sheet[2]][:3] == ["0.0", "0.0", "0.0"]


@pytest.mark.slow
def test_download_links_in_a_notebook_output_build_with_the_books_config(
    tmp_path: Path, table: pd.DataFrame, figure: Figure
):
    """The book's _config.yml renders a links_markdown output as working download links."""
    import shutil
    import subprocess
    import sys

    import nbformat

    root = Path(__file__).resolve().parents[1]
    shutil.copy2(root / "_config.yml", tmp_path / "_config.yml")
    shutil.copytree(
        root / "book", tmp_path / "book", ignore=shutil.ignore_patterns("_build", "computed")
    )
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: index\n")
    paths = save_table(table, "t1", tmp_path / "results", synthetic=False) + save_figure(
        figure, "f1", tmp_path / "results", synthetic=False
    )
    cell = nbformat.v4.new_code_cell("display(Markdown(links))")
    snippet = links_markdown(paths, base=tmp_path)
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": snippet, "text/plain": ""})
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Results"), cell])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.write(notebook, tmp_path / "index.ipynb")
    command = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build"]
    command += [str(tmp_path), "--path-output", str(tmp_path), "--warningiserror", "--quiet"]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    html = tmp_path / "_build" / "html"
    page = (html / "index.html").read_text(encoding="utf-8")
    assert "{download}" not in page, "the Markdown output was not parsed as MyST"
    for path in paths:
        assert f'/{path.name}"' in page
        (copied,) = (html / "_downloads").glob(f"*/{path.name}")
        assert copied.read_bytes() == path.read_bytes()


@pytest.mark.parametrize("synthetic", [True, False])
def test_every_file_a_chapter_exports_says_where_its_numbers_come_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthetic: bool
):
    """Chapter.export on the synthetic cohort and on a user's copy of it: every CSV, Excel,
    PNG and SVG carries the synthetic label on the first, and on the second the cohort
    file's name (never its folder) and nowhere "synthetic"."""
    from nettx_utils.data import derived
    from nettx_utils.figures.km import km_figure
    from nettx_utils.pages.chapter import open_chapter
    from nettx_utils.pages.record import RECORD_DIR_ENV
    from nettx_utils.project import DEFAULT_COHORT

    monkeypatch.setenv(RECORD_DIR_ENV, str(tmp_path))
    data_path = None
    if not synthetic:  # the same patients in another file: a user's cohort
        data_path = tmp_path / "centre.csv"
        data_path.write_text(DEFAULT_COHORT.read_text(encoding="utf-8") + "\n")
    chapter = open_chapter("04_outcomes", data_path=data_path, glue=False)
    assert chapter.synthetic is synthetic
    label = data_label(synthetic, data_path)
    assert synthetic or label.startswith("Computed from your cohort (centre.csv) by nettx ")
    cohort = chapter.cohort
    summary = pd.DataFrame({"Deaths": [int(cohort["died"].sum())], "Patients": [len(cohort)]})
    chapter.export("summary", summary)
    chapter.export("summary_styled", styled(summary, "Summary"))
    months = cohort["months_recurrence_to_last_followup"]
    chapter.export("km", km_figure(months, derived.event_flags(cohort["died"])))
    assert (
        sorted(p.suffix for p in chapter.exported)
        == [".csv"] * 2 + [".png"] + [".svg"] + [".xlsx"] * 2
    )
    for path in chapter.exported:
        assert path.is_relative_to(tmp_path)
        if path.suffix == ".csv":
            labelled = set(pd.read_csv(path)[SOURCE_COLUMN]) == {label}
        elif path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path)
            labelled = ABOUT_SHEET in book.sheetnames and all(
                row[-1] == label for row in book.active.iter_rows(min_row=2, values_only=True)
            )
        elif path.suffix == ".svg":
            labelled = label in _svg_texts(path)
        else:
            with Image.open(path) as image:
                labelled = image.info.get("Description") == label
        assert labelled, path.name
        assert str(tmp_path).encode() not in path.read_bytes(), path.name
        if not synthetic:
            assert b"ynthetic" not in path.read_bytes(), path.name


@pytest.mark.parametrize("synthetic", [True, False], ids=["synthetic", "user"])
def test_chapter_export_labels_a_simulation_and_keeps_captions_and_marks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthetic: bool
):
    """Chapter 13's power figure, exported with its seed, says "Simulated studies" on every
    cohort; a scored table carries its caption and, where marks show, their legend."""
    from nettx_utils.pages.chapter import open_chapter
    from nettx_utils.pages.record import RECORD_DIR_ENV
    from nettx_utils.project import DEFAULT_COHORT

    monkeypatch.setenv(RECORD_DIR_ENV, str(tmp_path))
    data_path = None
    if not synthetic:
        data_path = tmp_path / "centre.csv"
        data_path.write_text(DEFAULT_COHORT.read_text(encoding="utf-8") + "\n")
    chapter = open_chapter("13_paired_vs_independent", data_path=data_path, glue=False)
    power = Figure(figsize=(3, 2))
    power.add_subplot().plot([0, 0.5, 0.9], [0.3, 0.5, 0.9])
    chapter.export("power_figure", power, simulation_seed=20210613)
    png, svg = chapter.exported
    assert simulation_label(20210613) in _svg_texts(svg)
    assert not any("ynthetic data" in t or "your cohort" in t for t in _svg_texts(svg))
    with Image.open(png) as image:
        assert image.info.get("Description") == simulation_label(20210613)
    marked = styled(pd.DataFrame({"Dead": ["11 (34.4)"], "Mark": ["✓"]}), "Table 2. Outcomes")
    chapter.export("marked", marked)
    caption = set(pd.read_csv(chapter.exported[-2])[CAPTION_COLUMN])
    if synthetic:  # scored: the marks are explained after the caption
        assert caption == {f"Table 2. Outcomes. {chapter.comparison_text()}"}
    else:
        assert caption == {"Table 2. Outcomes."}
    with pytest.raises(TypeError, match="no caption"):
        chapter.export("power_again", power, caption="x")


def test_exports_and_other_build_products_are_ignored_and_untracked():
    """results/ (tables, figures, browser screenshots) is rebuilt by every run: git must
    ignore it and hold none of it."""
    import shutil
    import subprocess

    root = Path(__file__).resolve().parents[1]
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("not a git checkout")
    products = [
        "results/tables/01_table_1.csv",
        "results/figures/01_figure_3a_os_from_lt.png",
        "results/screenshots/index.png",
        "book/_build/html/index.html",
        "book/computed/01_cohort.ipynb",
    ]
    for path in products:
        ignored = subprocess.run(
            ["git", "check-ignore", "--no-index", "-q", path], cwd=root, check=False
        )
        assert ignored.returncode == 0, f"{path} is not ignored by .gitignore"
    tracked = subprocess.run(
        ["git", "ls-files", "results", "book/_build", "book/computed"],
        cwd=root, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert tracked == "", tracked
