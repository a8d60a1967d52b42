"""Run a command as a child process and measure its wall time and peak memory.

CPU time (user + system) covers the whole tree too (Linux adds the reaped
descendants' usage to a child's): on a shared machine it varies much less than the
wall time. Peak memory is reported two ways: ``max_rss_mib``, the largest resident set of
any single process of the child's tree (from ``wait4``, which Linux reports over
the reaped descendants too), and ``tree_rss_mib``, the largest sum of the resident
sets of the whole tree at once (sampled every 0.2 s with psutil), which is what
two parallel kernels and the pipeline cost together.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass
class Measured:
    """One run of a command."""

    seconds: float
    cpu_seconds: float
    max_rss_mib: float
    tree_rss_mib: float
    returncode: int
    stdout: str
    stderr: str
    load_before: float = 0.0

    def json_line(self) -> dict:
        """The last stdout line as JSON (the drivers print their own measurements there)."""
        lines = [line for line in self.stdout.splitlines() if line.startswith("{")]
        return json.loads(lines[-1]) if lines else {}


def _sample_tree(pid: int, peak: list[float], done: threading.Event) -> None:
    try:
        root = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    while not done.is_set():
        total = 0
        try:
            for process in [root, *root.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
        except psutil.NoSuchProcess:
            return
        peak[0] = max(peak[0], total / 2**20)
        done.wait(0.2)


def run(
    command: list[str], *, cwd: Path, env: dict[str, str] | None = None, check: bool = True
) -> Measured:
    """Run ``command`` to completion; raise if it fails and ``check``."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak, done = [0.0], threading.Event()
    sampler = threading.Thread(target=_sample_tree, args=(process.pid, peak, done), daemon=True)
    sampler.start()
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(process.stdout.read()), daemon=True)
    reader.start()
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    reader.join()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    measured = Measured(
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        max_rss_mib=usage.ru_maxrss / 1024,
        tree_rss_mib=peak[0],
        returncode=process.returncode,
        stdout=out[0] if out else "",
        stderr=stderr,
        load_before=load,
    )
    if check and measured.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({measured.returncode}):\n{measured.stderr[-3000:]}"
        )
    return measured
