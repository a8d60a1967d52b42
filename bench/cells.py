"""Where a built book's execution time went, from papermill's per-cell durations.

``python -m bench.cells BUILD_DIR`` prints, for every executed notebook of
``BUILD_DIR/source/book/computed``, its wall time, the sum of its cells' times (the
difference is kernel start-up, papermill and nbclient) and its three slowest cells.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def cell_times(notebook: Path) -> tuple[float, list[tuple[float, str]]]:
    """The notebook's papermill duration and ``(seconds, first line)`` of each code cell."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]).strip().splitlines() or [""]
        cells.append((cell["metadata"].get("papermill", {}).get("duration") or 0.0, source[0]))
    return nb["metadata"].get("papermill", {}).get("duration") or 0.0, cells


def main(argv: list[str]) -> int:
    computed = Path(argv[0]) / "source" / "book" / "computed"
    print("| notebook | wall s | cells s | slowest cells (s) |\n| --- | ---: | ---: | --- |")
    for notebook in sorted(computed.glob("[0-9][0-9]_*.ipynb")):
        total, cells = cell_times(notebook)
        top = sorted(cells, reverse=True)[:3]
        slowest = "; ".join(f"{s:.1f} `{line[:40]}`" for s, line in top)
        print(f"| {notebook.stem} | {total:.1f} | {sum(s for s, _ in cells):.1f} | {slowest} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
