"""``python -m bench``: measure the book, a rebuild, the core analyses at scale, synth
and the permutation test; write the results to bench/results/LABEL.json and print
them as Markdown. ``python -m bench compare BEFORE.json AFTER.json`` prints the ratios.

Each case runs ``--runs`` times in a child process; medians are reported with the
range, the peak memory and the load average of the machine when each run started.
``--project DIR`` measures another checkout of the project (e.g. an older commit
unpacked with ``git archive``) with this benchmark code.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import environment, measure, report

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CASES = ("book", "rebuild", "plain", "plain-rebuild", "scale", "synth", "permutation")
OPTIONAL_CASES = ("book-registry",)  # minutes: only when asked for with --cases
REGISTRY_PATIENTS = 100_000
# the parameters tests/test_cohort_sizes.py uses for its 1,000-patient book
REGISTRY_PARAMETERS = (
    "per_patient_figures", "True", "n_permutations", "999",
    "n_permutations_fixed", "999", "n_bootstrap", "20",
)  # fmt: skip
REBUILD_PARAMETER = "n_permutations"  # declared by 11_cutoff_problem only


def _python(project: Path) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(project), str(HERE.parent)]))
    return [sys.executable], env


def _runs(
    command: list[str], runs: int, project: Path, env: dict, before=None, check: bool = True
) -> list[dict]:
    out = []
    for _ in range(runs):
        if before:
            before()
        measured = measure.run(command, cwd=project, env=env, check=check)
        out.append(
            {
                "seconds": measured.seconds,
                "cpu_seconds": measured.cpu_seconds,
                "max_rss_mib": measured.max_rss_mib,
                "tree_rss_mib": measured.tree_rss_mib,
                "load": measured.load_before,
                "child": measured.json_line(),
                "returncode": measured.returncode,
                "error": measured.stderr.strip().splitlines()[-1:] if measured.returncode else [],
            }
        )
        print(f"  {' '.join(command[1:4])}: {measured.seconds:.1f} s", file=sys.stderr)
    return out


def run_cases(args: argparse.Namespace) -> dict:
    project = Path(args.project).resolve()
    python, env = _python(project)
    scratch = Path(tempfile.mkdtemp(prefix="bench-", dir=RESULTS))
    results: dict = {"environment": environment.describe(project), "cases": {}}
    try:
        if "book" in args.cases:
            build = scratch / "book"
            print("book: full build from a clean build folder", file=sys.stderr)
            results["cases"]["book"] = _runs(
                [*python, "-m", "bench.drivers", "book", str(build)],
                args.runs,
                project,
                env,
                before=lambda: shutil.rmtree(build, ignore_errors=True),
            )
        if "book-registry" in args.cases:
            measure.run(
                [*python, "-m", "bench.scale", str(REGISTRY_PATIENTS), "--prepare"],
                cwd=project, env=env,
            )  # fmt: skip
            build = scratch / "book-registry"
            data = RESULTS / "cohorts" / f"cohort_{REGISTRY_PATIENTS}_20210101.csv"
            print(
                f"book-registry: the whole book on {REGISTRY_PATIENTS:,} patients", file=sys.stderr
            )
            results["cases"]["book-registry"] = _runs(
                [*python, "-m", "bench.drivers", "book", str(build), "data", str(data),
                 *REGISTRY_PARAMETERS],
                args.runs, project, env,
                before=lambda: shutil.rmtree(build, ignore_errors=True),
            )  # fmt: skip
        if "rebuild" in args.cases:
            build = scratch / "rebuild"
            print(f"rebuild: -p {REBUILD_PARAMETER} changes between runs", file=sys.stderr)
            measure.run([*python, "-m", "bench.drivers", "book", str(build)], cwd=project, env=env)
            runs = []
            for i in range(args.runs):
                value = str(9_999 + 2 * (i % 2))
                command = [*python, "-m", "bench.drivers", "book", str(build)]
                runs += _runs([*command, REBUILD_PARAMETER, value], 1, project, env)
            results["cases"]["rebuild"] = runs
        for case, driver in (("plain", "plain"), ("plain-rebuild", "plain")):
            # the plain Jupyter Book build (bench.drivers.plain), from a clean folder and
            # after one parameter changes; run with --project, it builds that checkout
            if case not in args.cases:
                continue
            build = scratch / case
            command = [*python, "-m", "bench.drivers", driver, str(build)]
            print(f"{case}: papermill in fresh kernels, then jupyter-book build", file=sys.stderr)
            if case == "plain":
                results["cases"][case] = _runs(
                    command, args.runs, project, env,
                    before=lambda build=build: shutil.rmtree(build, ignore_errors=True),
                )  # fmt: skip
                continue
            measure.run(command, cwd=project, env=env)
            runs = []
            for i in range(args.runs):
                value = str(9_999 + 2 * (i % 2))
                runs += _runs([*command, REBUILD_PARAMETER, value], 1, project, env)
            results["cases"][case] = runs
        if "scale" in args.cases:
            results["cases"]["scale"] = {}
            for n in args.sizes:
                print(f"scale: {n} patients", file=sys.stderr)
                command = [*python, "-m", "bench.scale", str(n)]
                measure.run([*command, "--prepare"], cwd=project, env=env)
                runs = args.runs if n <= args.many_runs_up_to else 1
                results["cases"]["scale"][str(n)] = _runs(command, runs, project, env)
        if "synth" in args.cases:
            print("synth", file=sys.stderr)
            out = scratch / "synth.csv"
            command = [*python, "-m", "nettx_utils", "synth", "--out", str(out), "--force"]
            # Timed as it is, even when it fails (its targets are being reworked).
            results["cases"]["synth"] = _runs(command, args.runs, project, env, check=False)
        if "permutation" in args.cases:
            print("permutation test, 10,000 permutations", file=sys.stderr)
            command = [*python, "-m", "bench.drivers", "permutation"]
            results["cases"]["permutation"] = _runs(command, args.runs, project, env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results["environment"]["load_after"] = os.getloadavg()
    return results


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["compare"]:
        before, after = (json.loads(Path(p).read_text()) for p in argv[1:3])
        print(report.comparison(before, after))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each case (default 3)")
    parser.add_argument(
        "--cases",
        default=",".join(CASES),
        type=lambda s: s.split(","),
        help=f"comma-separated, of {', '.join(CASES + OPTIONAL_CASES)} (default: all but "
        f"{', '.join(OPTIONAL_CASES)})",
    )
    parser.add_argument(
        "--sizes",
        default="32,10000,100000,1000000",
        type=lambda s: [int(float(x)) for x in s.split(",")],
        help="cohort sizes of the scale case",
    )
    parser.add_argument(
        "--many-runs-up-to",
        type=int,
        default=100_000,
        help="larger cohorts are measured once (default 100000)",
    )
    parser.add_argument("--project", default=str(HERE.parent), help="the checkout to measure")
    parser.add_argument("--label", default=time.strftime("%Y%m%dT%H%M%S"), help="results name")
    args = parser.parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    results = run_cases(args)
    path = RESULTS / f"{args.label}.json"
    path.write_text(json.dumps(results, indent=1))
    print(report.markdown(results))
    print(f"\nResults written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
