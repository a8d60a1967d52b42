"""Child-process drivers of the benchmarks; each prints one JSON line of measurements.

``python -m bench.drivers book BUILD_DIR [NAME VALUE]...``
    one pipeline run (``make book``'s) into BUILD_DIR, with papermill parameters;
    prints the total and the pipeline's own split (each notebook, Jupyter Book).
``python -m bench.drivers permutation``
    the cut-off chapter's maximally selected log-rank test at 10,000 permutations
    (12 to 60 months after LT, as notebook 11), three times.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def book(build_dir: str, *pairs: str) -> dict:
    from nettx_utils.build import pipeline

    parameters = pipeline.parse_parameters(list(zip(pairs[::2], pairs[1::2], strict=True)))
    start = time.perf_counter()
    result = pipeline.run(build_dir=Path(build_dir), parameters=parameters, report=lambda _: None)
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
    result = book(*args) if name == "book" else permutation()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
