"""Child-process drivers of the benchmarks; each prints one JSON line of measurements.

``python -m bench.drivers book BUILD_DIR [NAME VALUE]...``
    one pipeline run (``make book``'s) into BUILD_DIR, with papermill parameters;
    prints the total and the pipeline's own split (each notebook, Jupyter Book).
    With ``data PATH`` among the pairs, on that cohort (the case ``book-registry``).
``python -m bench.drivers plain BUILD_DIR [NAME VALUE]...``
    the plain Jupyter Book build the pipeline is compared with (CUPiD's two steps):
    the book's sources copied into ``BUILD_DIR/book`` (once; a rebuild keeps the
    folder, and with it Jupyter Book's own ``_build``), papermill executing every
    notebook in a fresh kernel, two at a time, then ``jupyter-book build`` with
    execution off; no cache of executed notebooks, no atomic swap.
``python -m bench.drivers permutation``
    the cut-off chapter's maximally selected log-rank test at 10,000 permutations
    (12 to 60 months after LT, as notebook 11), three times.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from nettx_utils.build import reuse


def book(build_dir: str, *pairs: str) -> dict:
    """One pipeline run; a pair ``data PATH`` gives the cohort (``--data``)."""
    from nettx_utils.build import pipeline

    named = dict(zip(pairs[::2], pairs[1::2], strict=True))
    data = named.pop("data", None)
    parameters = pipeline.parse_parameters(list(named.items()))
    start = time.perf_counter()
    result = pipeline.run(
        build_dir=Path(build_dir), parameters=parameters, data_path=data, report=lambda _: None
    )
    from bench.cells import cell_times

    computed = Path(build_dir) / "source" / "book" / "computed"
    cells = {}
    for stem in result.executed:
        wall, times = cell_times(computed / f"{stem}.ipynb")
        cells[stem] = {"papermill": wall, "cells": sum(t for t, _ in times)}
    return {
        "seconds": time.perf_counter() - start,
        "parts": result.seconds,
        "executed": list(result.executed),
        "reused": list(result.reused),
        "cells": cells,
    }


def _papermill(job: tuple[str, str, dict, str]) -> float:
    import os

    import papermill

    source, output, parameters, kernel = job
    os.environ["NETTX_RECORD_DIR"] = str(Path(output).parent)
    start = time.perf_counter()
    papermill.execute_notebook(
        source,
        output,
        parameters=parameters,
        kernel_name=kernel,
        cwd=str(Path(output).parent),
        progress_bar=False,
    )
    return time.perf_counter() - start


def plain(build_dir: str, *pairs: str) -> dict:
    import os
    import subprocess
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from jupyter_client.kernelspec import KernelSpecManager

    from nettx_utils import project
    from nettx_utils.build import pipeline

    start = time.perf_counter()
    parameters = pipeline.parse_parameters(list(zip(pairs[::2], pairs[1::2], strict=True)))
    book = Path(build_dir) / "book"
    if not book.exists():
        book.mkdir(parents=True)
        pipeline.assemble_sources(book)
    chapters, pages = project.source_notebooks(), pipeline.page_notebooks()
    plan = pipeline.plan_parameters(chapters + pages, parameters)
    kernel = "nettx" if "nettx" in KernelSpecManager().find_kernel_specs() else "python3"
    outputs = {nb: book / reuse.COMPUTED / nb.name for nb in chapters}
    outputs |= {nb: book / pipeline.PAGES / nb.name for nb in pages}
    os.environ["NETTX_SCORE_CACHE"] = str(Path(build_dir) / "cache")
    (Path(build_dir) / "cache").mkdir(exist_ok=True)
    jobs = [(str(nb), str(out), plan[nb.stem], kernel) for nb, out in outputs.items()]
    with ProcessPoolExecutor(max_workers=2, mp_context=get_context("fork")) as pool:
        seconds = dict(zip((nb.stem for nb in outputs), pool.map(_papermill, jobs), strict=True))
    jb_start = time.perf_counter()
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    subprocess.run(
        [str(jupyter_book), "build", str(book), "--path-output", str(book), "--quiet"],
        check=True,
        capture_output=True,
    )
    seconds["jupyter-book"] = time.perf_counter() - jb_start
    return {
        "seconds": time.perf_counter() - start,
        "parts": seconds,
        "executed": [nb.stem for nb in chapters],
        "reused": [],
    }


def permutation() -> dict:
    import numpy as np

    from nettx_utils.data import derived
    from nettx_utils.data.cohort import load_cohort
    from nettx_utils.stats import cutoffs

    cohort = load_cohort()
    months = cohort["months_recurrence_to_last_followup"].to_numpy(float)
    died = derived.event_flags(cohort["died"]).to_numpy()
    timing = cohort["months_lt_to_recurrence"].to_numpy(float)
    grid = np.arange(12, 60.5, 1.0)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        cutoffs.maximally_selected_logrank(months, died, timing, grid, n_permutations=10_000)
        times.append(time.perf_counter() - start)
    return {"seconds": float(np.median(times)), "all": times}


def main(argv: list[str]) -> int:
    name, *args = argv
    drivers = {"book": book, "plain": plain, "permutation": permutation}
    result = drivers[name](*args)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
