"""Pin the chapter records of two builds: python tests/data/records/pin.py DEFAULT CHANGED.

DEFAULT and CHANGED are build folders (``--build-dir``) of the default book and of the book
with ``-p early_recurrence_months 36 -p mib1_threshold_pct 5``. See tests/test_records.py.
"""

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def pin(default: str, changed: str) -> None:
    for variant, build in (("default", default), ("changed", changed)):
        target = HERE / variant
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        for record in sorted((Path(build) / "source" / "book" / "computed").glob("[0-9]*.json")):
            shutil.copy(record, target / record.name)
        print(f"{variant}: {len(list(target.glob('*.json')))} records pinned from {build}")


if __name__ == "__main__":
    pin(*sys.argv[1:3])
