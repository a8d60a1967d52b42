"""Command line of the nettx book: ``python -m nettx_utils COMMAND``.

Commands:
  run       execute the notebooks with papermill and build the HTML book
  validate  check a cohort file against the data dictionary
  score     recompute every published value from a cohort and score the match
  synth     generate the synthetic cohort
  sweep     run one notebook once per value of a parameter and compare the runs

User errors (a bad cohort file, an unknown parameter or a value out of its range,
a failing notebook) print one message and exit with a non-zero status (2; 1 for a
failing notebook), never a traceback. Parameter values are checked against their
declarations (:mod:`nettx_utils.pages.parameters`) before any notebook starts.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from nettx_utils.errors import NettxError
from nettx_utils.project import PROJECT_ENV, PROJECT_ROOT


def _run(args: argparse.Namespace) -> int:
    from nettx_utils.pages import parameters as declared

    given = declared.parse_parameters(args.parameter)
    declared.refuse_data_path(given)
    given = declared.check_parameters(given)  # before the pipeline is even imported

    from nettx_utils.build import pipeline

    result = pipeline.run(
        build_dir=args.build_dir,
        data_path=args.data,
        parameters=given,
        only=args.only,
        allow_columns=args.allow_column,
        jobs=args.jobs,
        use_cache=not args.no_cache,
    )
    executed = len(result.executed) + len(result.pages_executed)
    reused = len(result.reused) + len(result.pages_reused)
    print(f"Executed {executed} notebook(s), reused {reused}.")
    print(f"The book is ready: open {result.index.resolve()}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from nettx_utils.data.cohort import load_cohort
    from nettx_utils.data.datapackage import is_synthetic

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cohort = load_cohort(args.path, allow_columns=args.allow_column)
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    unused = cohort.attrs.get("unused_columns", [])
    print(
        f"{args.path}: {len(cohort)} patients, {cohort.shape[1] - len(unused)} dictionary columns: OK."
    )
    if unused:
        print(f"Columns not in the dictionary (kept, unused): {', '.join(unused)}")
    allowed = cohort.attrs.get("allowed_identifiers", [])
    if allowed:
        print(f"Identifier-like columns allowed by --allow-column: {', '.join(allowed)}")
    not_found = sorted(set(args.allow_column) - set(cohort.columns))
    if not_found:
        print(f"warning: --allow-column {', '.join(not_found)}: no such column", file=sys.stderr)
    if is_synthetic(args.path):
        print(
            "This is the project's synthetic cohort (its checksum matches data/datapackage.json)."
        )
    return 0


def _score(args: argparse.Namespace) -> int:
    from nettx_utils.data.cohort import load_cohort
    from nettx_utils.data.datapackage import is_synthetic
    from nettx_utils.formatting import printed
    from nettx_utils.pages.provenance import SYNTHETIC_CAPTION
    from nettx_utils.pages.table_export import SOURCE_COLUMN
    from nettx_utils.paper.comparison import score_line
    from nettx_utils.paper.published import load_consistency_audit, load_published_values
    from nettx_utils.paper.rounding import shown
    from nettx_utils.paper.scoring import score
    from nettx_utils.synth import generate as synth

    if not (is_synthetic(args.data) or (args.data and synth.is_synthetic_file(args.data))):
        raise NettxError(
            f"{args.data}: not a synthetic cohort (its checksum is not the one recorded in "
            "data/datapackage.json, nor in a descriptor the generator wrote beside it). The "
            "score asks whether a generated cohort gives back the paper's numbers; other "
            "patients can neither match nor contradict them. To see your cohort beside the "
            "paper's numbers as context, build the book: python -m nettx_utils run --data FILE."
        )
    table = score(
        load_cohort(args.data),
        load_published_values(),
        load_consistency_audit(),
        quantile_method=args.quantile_method,
    )
    rows = table[table["computable"].astype(bool)]
    width = max(len(i) for i in rows["id"])
    for row in rows.itertuples():
        mark = "⚑" if row.flagged else row.mark
        print(
            f"{mark} {row.id:<{width}}  paper {printed(row.published, row.decimals, row.bound):>10}"
            f"  book {shown(row.reproduced, row.decimals, row.published):>10}  {row.label}"
        )
    _refuse_data_dir(args.out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.assign(**{SOURCE_COLUMN: SYNTHETIC_CAPTION}).to_csv(args.out, index=False)
    print(f"Table written to {args.out}")
    print(score_line(table))
    return 0


def _synth(args: argparse.Namespace) -> int:
    from nettx_utils.synth import generate as synth

    out: Path = args.out
    if out.exists() and not args.force and not synth.is_synthetic_file(out):
        raise NettxError(
            f"{out} exists and is not a synthetic cohort written by this command; "
            "refusing to overwrite it (pass --force to replace it)."
        )
    cohort = synth.generate_cohort(args.seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    synth.write_cohort(cohort, out, seed=args.seed)
    print(f"Synthetic cohort of {len(cohort)} patients (seed {args.seed}) written to {out}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from nettx_utils.build import sweep
    from nettx_utils.pages.parameters import parse_parameters

    name, *texts = args.parameter
    if not texts:
        raise NettxError(f"-p {name}: give one or more values after the parameter's name.")
    values = [parse_parameters([(name, text)])[name] for text in texts]
    result = sweep.run_sweep(
        args.notebook,
        name,
        values,
        out=args.out,
        jobs=args.jobs,
        plot=args.plot,
        data_path=args.data,
        allow_columns=args.allow_column,
    )
    if result.runs:
        print(
            f"{len(result.runs)} run(s); executed notebooks and their records in "
            f"{result.csv.parent}"
        )
    else:
        print(f"{len(result.table)} run(s); the table and the figure are in {result.csv.parent}")
    return 0


def _refuse_data_dir(path: Path) -> None:
    """Outputs never go into data/, which holds the inputs."""
    from nettx_utils.project import DATA_DIR

    if path.resolve().is_relative_to(DATA_DIR.resolve()):
        raise NettxError(f"{path}: data/ holds the inputs; write results elsewhere.")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nettx_utils",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run(commands)
    _add_validate(commands)
    _add_score(commands)
    _add_synth(commands)
    _add_sweep(commands)
    return parser


def _add_run(commands: argparse._SubParsersAction) -> None:
    """``run``: execute the notebooks and build the book."""
    run = commands.add_parser("run", help="execute the notebooks and build the HTML book")
    run.add_argument("--data", type=Path, help="another cohort file (CSV or Excel)")
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="papermill parameter for every notebook that declares it (VALUE read as YAML)",
    )
    run.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="execute only this notebook; the others are reused from the previous run "
        "in the build folder (executed when there is none)",
    )
    run.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="notebooks executed at once (default: cores, at most 4)",
    )
    run.add_argument(
        "--no-cache", action="store_true", help="execute every notebook, even if unchanged"
    )
    run.add_argument(
        "--build-dir",
        type=Path,
        default=None,
        help="where source/ and html/ go (default: book/_build)",
    )
    _add_allow_column(run)
    run.set_defaults(handler=_run)


def _add_validate(commands: argparse._SubParsersAction) -> None:
    """``validate``: check a cohort file against the dictionary."""
    validate = commands.add_parser("validate", help="check a cohort file against the dictionary")
    validate.add_argument("path", type=Path, help="the cohort file (CSV or Excel .xlsx)")
    _add_allow_column(validate)
    validate.set_defaults(handler=_validate)


def _add_score(commands: argparse._SubParsersAction) -> None:
    """``score``: score a cohort against the published values."""
    score = commands.add_parser("score", help="score a cohort against the published values")
    score.add_argument(
        "--data", type=Path, help="a synthetic cohort file (default: data/cohort.csv)"
    )
    score.add_argument(
        "--out",
        type=Path,
        default=Path("results") / "reproduction_score.csv",
        help="CSV of the comparison (default: results/reproduction_score.csv)",
    )
    score.add_argument("--quantile-method", default="weibull", help="numpy quantile method")
    score.set_defaults(handler=_score)


def _add_synth(commands: argparse._SubParsersAction) -> None:
    """``synth``: generate the synthetic cohort."""
    synth = commands.add_parser("synth", help="generate the synthetic cohort")
    synth.add_argument("--seed", type=int, default=20210101)
    synth.add_argument("--out", type=Path, required=True, help="CSV to write")
    synth.add_argument(
        "--force", action="store_true", help="overwrite a file that is not synthetic"
    )
    synth.set_defaults(handler=_synth)


def _add_sweep(commands: argparse._SubParsersAction) -> None:
    """``sweep``: run one notebook once per value of a parameter."""
    sweep = commands.add_parser(
        "sweep", help="run one notebook once per value of a parameter and compare the runs"
    )
    sweep.add_argument("notebook", help="the notebook: 05, 05_prognostic_factors or a path")
    sweep.add_argument(
        "-p",
        "--parameter",
        nargs="+",
        required=True,
        metavar=("NAME", "VALUE"),
        help="the parameter and its values, e.g. -p early_recurrence_months 12 24 36 (YAML)",
    )
    sweep.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder of the runs, sweep.csv and sweep.png "
        "(default: results/sweeps/<notebook>-<parameter>)",
    )
    sweep.add_argument(
        "--jobs", type=int, default=None, help="runs at once (default: values, at most cores)"
    )
    sweep.add_argument(
        "--data",
        type=Path,
        help="another cohort file (CSV or Excel), checked as by run --data; the table "
        "then leaves out the counts that vary with the parameter",
    )
    _add_allow_column(sweep)
    sweep.add_argument(
        "--plot",
        action="append",
        default=[],
        metavar="KEY",
        help="recorded number to draw against the parameter (default: every p-value)",
    )
    sweep.set_defaults(handler=_sweep)


def _add_allow_column(command: argparse.ArgumentParser) -> None:
    """``--allow-column NAME``, as ``run``, ``validate`` and ``sweep`` take it."""
    command.add_argument(
        "--allow-column",
        action="append",
        default=[],
        metavar="NAME",
        help="accept this column although its name or content looks like a direct identifier",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    # the kernels inherit it, so they find the project wherever the build folder is
    os.environ.setdefault(PROJECT_ENV, str(PROJECT_ROOT))
    if getattr(args, "build_dir", "unset") is None:
        from nettx_utils.build.pipeline import DEFAULT_BUILD_DIR

        args.build_dir = DEFAULT_BUILD_DIR
    try:
        return args.handler(args)
    except NettxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
