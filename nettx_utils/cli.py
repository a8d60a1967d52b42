"""Command line of the nettx book: ``python -m nettx_utils COMMAND``.

Commands:
  run       execute the notebooks with papermill and build the HTML book
  validate  check a cohort file against the data dictionary

User errors (a bad cohort file, an unknown parameter, a failing notebook) print
one message and exit with a non-zero status, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from nettx_utils.errors import NettxError


def _run(args: argparse.Namespace) -> int:
    from nettx_utils import pipeline

    result = pipeline.run(
        build_dir=args.build_dir,
        data_path=args.data,
        parameters=pipeline.parse_parameters(args.parameter),
        only=args.only,
    )
    print(f"Executed {len(result.executed)} notebook(s), reused {len(result.reused)}.")
    print(f"The book is ready: open {result.index.resolve()}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from nettx_utils.cohort import load_cohort

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cohort = load_cohort(args.path)
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    unused = cohort.attrs.get("unused_columns", [])
    print(
        f"{args.path}: {len(cohort)} patients, {cohort.shape[1] - len(unused)} dictionary columns: OK."
    )
    if unused:
        print(f"Columns not in the dictionary (kept, unused): {', '.join(unused)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nettx_utils",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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
        "--only", action="append", default=[], metavar="NAME", help="execute only this notebook"
    )
    run.add_argument(
        "--build-dir",
        type=Path,
        default=None,
        help="where source/ and html/ go (default: book/_build)",
    )
    run.set_defaults(handler=_run)

    validate = commands.add_parser("validate", help="check a cohort file against the dictionary")
    validate.add_argument("path", type=Path)
    validate.set_defaults(handler=_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    if getattr(args, "build_dir", "unset") is None:
        from nettx_utils.pipeline import DEFAULT_BUILD_DIR

        args.build_dir = DEFAULT_BUILD_DIR
    try:
        return args.handler(args)
    except NettxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
