"""The `taskdyn` command: one subcommand per task (`taskdyn verify results/<run>`, ...).

Each subcommand registers itself in `SUBCOMMANDS` with a function that adds its arguments to
its subparser and a function that runs it and returns the exit status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from taskdyn import manifest
from taskdyn.io import ResultFileError

EXIT_OK, EXIT_MISMATCH, EXIT_ERROR = 0, 1, 2


def _add_run_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", help="a run's results directory, e.g. results/default")


def _verify(args: argparse.Namespace) -> int:
    """Re-hash a run's files against its manifest; 1 on any changed, missing, unlisted or stale
    file (one whose code changed since it was written)."""
    try:
        result = manifest.verify(args.run_dir)
    except ResultFileError as err:
        print(f"taskdyn verify: {err}", file=sys.stderr)
        return EXIT_ERROR
    for line in manifest.describe(result):
        print(line)
    return EXIT_OK if result.ok else EXIT_MISMATCH


def _add_bench(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="small sizes, under two minutes")
    parser.add_argument("--out", default="bench/results.json", help="JSON file of the figures")
    parser.add_argument("--default-run", action="store_true",
                        help="also time the default pipeline end to end (minutes)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="where training is timed (fixed points, analyses and snakemake "
                             "are timed on the CPU)")


def _bench(args: argparse.Namespace) -> int:
    """Run the benchmark suite (taskdyn.bench), print its table and write its JSON."""
    from taskdyn import bench

    try:
        bench.usable_device(args.device)
    except ValueError as err:
        print(f"taskdyn bench: {err}", file=sys.stderr)
        return EXIT_ERROR
    sizes = bench.Sizes.quick() if args.quick else bench.Sizes()
    sizes.default_run, sizes.device = args.default_run, args.device
    figures = bench.run_all(sizes, progress=lambda f: print(bench.format_row(f), flush=True))
    bench.write_results(args.out, figures, sizes)
    return EXIT_OK


def _claims(args: argparse.Namespace) -> int:
    """Print every study's claims (tables/<study>/claims.csv), one table per study."""
    from taskdyn import claims

    try:
        tables = claims.read_claims(args.run_dir)
    except ResultFileError as err:
        print(f"taskdyn claims: {err}", file=sys.stderr)
        return EXIT_ERROR
    if not tables:
        print(f"taskdyn claims: no tables/<study>/claims.csv under {args.run_dir} (build them "
              "with snakemake results/<run>/tables/<study>/claims.csv)", file=sys.stderr)
        return EXIT_ERROR
    print("\n\n".join(claims.format_claims(study, frame) for study, frame in tables.items()))
    return EXIT_OK


def _add_config_doc(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--schemas", default="workflow/schemas",
                        help="the config schemas' folder (default: workflow/schemas)")


def _config_doc(args: argparse.Namespace) -> int:
    """Print config/README.md: every config key, from the schemas."""
    from taskdyn import configdoc

    sys.stdout.write(configdoc.render(args.schemas))
    return EXIT_OK


# name -> (help, add arguments, run)
SUBCOMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None],
                             Callable[[argparse.Namespace], int]]] = {
    "verify": ("check results/<run> against its manifest.json", _add_run_dir, _verify),
    "bench": ("time training, analyses and DAG building (taskdyn.bench)", _add_bench, _bench),
    "claims": ("print every study's paper claims checked in results/<run>", _add_run_dir,
               _claims),
    "config-doc": ("print the reference of every run-config key (config/README.md)",
                   _add_config_doc, _config_doc),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subparser per entry of SUBCOMMANDS."""
    parser = argparse.ArgumentParser(
        prog="taskdyn", description="Tools for taskdyn runs and their results.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, add_arguments, run) in SUBCOMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        add_arguments(sub)
        sub.set_defaults(run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `taskdyn` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
