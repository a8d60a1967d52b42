"""Tests of nettx_utils.export: tables and figures saved for a manuscript, and their links."""

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
from nettx_utils.export import FIGURE_DPI, links_markdown, save_figure, save_table


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
    paths = save_table(table, "table1_characteristics", tmp_path)
    assert paths == [
        tmp_path / "tables" / "table1_characteristics.csv",
        tmp_path / "tables" / "table1_characteristics.xlsx",
    ]
    assert all(path.is_file() and path.stat().st_size > 0 for path in paths)


def test_csv_round_trips_at_full_precision(tmp_path: Path, table: pd.DataFrame):
    csv, _ = save_table(table, "t", tmp_path)
    back = pd.read_csv(csv, keep_default_na=False, na_values=[""])
    back["note"] = back["note"].fillna("")
    pd.testing.assert_frame_equal(back, table)


def test_xlsx_opens_with_openpyxl_and_holds_the_cells(tmp_path: Path, table: pd.DataFrame):
    _, xlsx = save_table(table, "t", tmp_path)
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["t"]
    rows = list(book["t"].iter_rows(values_only=True))
    assert rows[0] == ("group", "n", "median_months", "note")
    assert rows[1] == ("early", 10, 21.123456789, "α ≥ 2 %")
    assert len(rows) == 1 + len(table)


def test_meaningful_index_is_written_and_round_trips(tmp_path: Path, table: pd.DataFrame):
    indexed = table.set_index("group")
    csv, xlsx = save_table(indexed, "indexed", tmp_path)
    back = pd.read_csv(csv, index_col=0, keep_default_na=False, na_values=[""])
    back["note"] = back["note"].fillna("")
    pd.testing.assert_frame_equal(back, indexed)
    first = next(openpyxl.load_workbook(xlsx).active.iter_rows(values_only=True))
    assert first[0] == "group"


def test_styler_saves_its_data_not_its_display_strings(tmp_path: Path, table: pd.DataFrame):
    styler = (
        table.style.format({"median_months": "{:.1f}"})
        .hide(axis="index")
        .map(lambda v: "font-weight: bold" if v == 32 else "", subset=["n"])
    )
    csv, xlsx = save_table(styler, "styled", tmp_path)
    back = pd.read_csv(csv)
    assert back.loc[0, "median_months"] == pytest.approx(21.123456789)
    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet["B4"].value == 32 and sheet["B4"].font.bold
    assert sheet["C2"].value == pytest.approx(21.123456789)


def test_styler_hidden_columns_are_left_out(tmp_path: Path, table: pd.DataFrame):
    csv, xlsx = save_table(table.style.hide(["note"], axis="columns"), "hidden", tmp_path)
    assert list(pd.read_csv(csv).columns) == ["group", "n", "median_months"]
    header = next(openpyxl.load_workbook(xlsx).active.iter_rows(values_only=True))
    assert header == ("group", "n", "median_months")


def test_multilevel_columns_are_flattened(tmp_path: Path):
    frame = pd.DataFrame(
        [[1, 2], [3, 4]], columns=pd.MultiIndex.from_tuples([("OS", "median"), ("OS", "n")])
    )
    csv, xlsx = save_table(frame, "multi", tmp_path)
    assert list(pd.read_csv(csv).columns) == ["OS / median", "OS / n"]
    assert openpyxl.load_workbook(xlsx).active["A1"].value == "OS / median"


@pytest.mark.parametrize("name", ["", "../escape", "a/b", "with space", "t.csv.", "-x", "x`y"])
def test_bad_names_are_refused(tmp_path: Path, table: pd.DataFrame, name: str):
    with pytest.raises(NettxError, match="cannot name a results file"):
        save_table(table, name, tmp_path)
    assert not (tmp_path / "tables").exists()


def test_save_table_refuses_other_objects(tmp_path: Path):
    with pytest.raises(NettxError, match="DataFrame or Styler"):
        save_table([[1, 2]], "t", tmp_path)


def test_save_figure_writes_300_dpi_png_and_svg_with_text(tmp_path: Path, figure: Figure):
    png, svg = save_figure(figure, "figure3b_os_recurrence", tmp_path)
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
    _, first = save_figure(figure, "a", tmp_path)
    _, second = save_figure(figure, "b", tmp_path)
    assert first.read_bytes() == second.read_bytes()


def test_save_figure_takes_an_axes(tmp_path: Path, figure: Figure):
    png, _ = save_figure(figure.axes[0], "from_axes", tmp_path)
    assert png.is_file()
    with pytest.raises(NettxError, match="matplotlib Figure"):
        save_figure("not a figure", "x", tmp_path)


def test_links_markdown_uses_download_roles_relative_to_the_page(
    tmp_path: Path, table: pd.DataFrame, figure: Figure
):
    page_dir = tmp_path / "book" / "computed"
    page_dir.mkdir(parents=True)
    paths = save_table(table, "t1", page_dir / "results") + save_figure(
        figure, "f1", page_dir / "results"
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
    paths = save_table(table, "t1", tmp_path / "results") + save_figure(
        figure, "f1", tmp_path / "results"
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
