"""The chapters' records, pinned: a refactoring must leave every computed value as it was.

Each chapter records the values its prose quotes (``book/_build/source/book/computed/
NN_chapter.json``). ``tests/data/records/`` holds those of the default build and of the
build with changed cut-offs, as they were when the package was last checked page by page.
This test does not say the values are right (the statistics' own tests do that, against
R and hand computations); it says that moving code did not change them.

When a fix changes a value on purpose, rewrite the pinned records from a build of the
fixed book and say so in the commit::

    python -m nettx_utils run --build-dir /tmp/default
    python -m nettx_utils run --build-dir /tmp/changed -p early_recurrence_months 36 -p mib1_threshold_pct 5
    python tests/data/records/pin.py /tmp/default /tmp/changed
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

PINNED = Path(__file__).resolve().parent / "data" / "records"
REL_TOL = 1e-9  # another CPU may sum floats in another order; nothing else may differ


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=REL_TOL)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def differences(pinned_dir: Path, built_dir: Path) -> list[str]:
    found = []
    for pinned in sorted(pinned_dir.glob("*.json")):
        built = built_dir / pinned.name
        if not built.exists():
            found.append(f"{pinned.stem}: no record built")
            continue
        old, new = json.loads(pinned.read_text()), json.loads(built.read_text())
        for key in sorted(old.keys() | new.keys()):
            if not same(old.get(key, "<absent>"), new.get(key, "<absent>")):
                found.append(f"{pinned.stem}.{key}: {old.get(key)!r:.60} -> {new.get(key)!r:.60}")
    return found


def test_the_comparison_sees_a_changed_value(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "01_x.json").write_text(json.dumps({"p": 0.05, "n": 3, "t": [1.0, "x"]}))
    (tmp_path / "b" / "01_x.json").write_text(
        json.dumps({"p": 0.05 + 1e-14, "n": 3, "t": [1.0, "x"]})
    )
    assert differences(tmp_path / "a", tmp_path / "b") == []
    (tmp_path / "b" / "01_x.json").write_text(json.dumps({"p": 0.051, "n": 3, "t": [1.0, "y"]}))
    assert len(differences(tmp_path / "a", tmp_path / "b")) == 2


@pytest.mark.parametrize("variant", ["default", "changed"])
def test_records_are_the_pinned_ones(variant, request):
    book = request.getfixturevalue(f"{variant}_book")
    computed = book.html_dir.parent / "source" / "book" / "computed"
    pinned = PINNED / variant
    assert sorted(p.name for p in pinned.glob("*.json")), "no pinned records"
    assert differences(pinned, computed) == []
