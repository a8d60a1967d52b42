"""The machine, the load and the versions a benchmark ran with."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import psutil

PACKAGES = ("numpy", "pandas", "scipy", "lifelines", "matplotlib", "papermill", "ipykernel",
            "jupyter-book", "sphinx", "myst-nb")  # fmt: skip


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _commit(project: Path) -> str:
    completed = subprocess.run(
        ["git", "-C", str(project), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.stdout.strip() or "not a git checkout"


def describe(project: Path) -> dict:
    """What the results depend on besides the code."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{_cpu_model()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB",
        "system": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "project": str(project),
        "commit": _commit(project),
        "load_before": os.getloadavg(),
    }
