"""The `taskdyn` command: one subcommand per task (`taskdyn verify results/<run>`, ...).

Each subcommand registers itself in `SUBCOMMANDS` with a function that adds its arguments to
its subparser and a function that runs it and returns the exit status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from taskdyn import evidence, manifest
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


def _add_evidence(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="evidence_command", required=True)
    collect = actions.add_parser(
        "collect", help="copy a finished run's claims, tables and figures and write run.json",
        description="Copy RESULTS_DIR/tables/STUDY/claims.csv, the study's tables and figures "
                    "into DEST and write DEST/run.json (command, config, time, memory, jobs, "
                    "code version, machine, files). DEST's README.md is kept.")
    collect.add_argument("results_dir", help="the finished run, e.g. results/binding_t1")
    collect.add_argument("--study", required=True, help="the study whose evidence to collect")
    collect.add_argument("--dest", required=True, help="e.g. docs/reproduction/binding")
    collect.add_argument("--command", required=True, help="the exact command that ran it")
    collect.add_argument("--config", required=True, help="its config file, e.g. "
                         "config/binding_t1.yaml")
    collect.add_argument("--time-log", required=True, nargs="+", metavar="LOG",
                         help="the run's stderr under /usr/bin/time -v (time, memory, jobs); "
                              "several when the run took several invocations (summed)")
    collect.add_argument("--tables", nargs="+", action="extend", metavar="GLOB",
                         help="tables to copy, globs under tables/STUDY/ (default: every CSV)")
    collect.add_argument("--figures", nargs="+", action="extend", metavar="GLOB",
                         help="figures to copy, globs under figures/STUDY/ (default: every PNG)")
    collect.add_argument("--max-bytes", type=int, default=evidence.MAX_BYTES,
                         help="larger tables and figures are left out and listed in run.json "
                              "(default: %(default)s)")
    table = actions.add_parser(
        "table", help="write the README's reproduction table from every run.json",
        description="Render every run.json and claims.csv under ROOT as one markdown table "
                    f"and write it into README between {evidence.START} and {evidence.END}.")
    table.add_argument("--root", default="docs/reproduction",
                       help="where the evidence folders are (default: docs/reproduction)")
    table.add_argument("--readme", default="README.md", help="default: README.md")
    table.add_argument("--check", action="store_true",
                       help="change nothing; exit 1 with the diff if the table is out of date")


def _evidence(args: argparse.Namespace) -> int:
    """Collect a run's evidence or write (or check) the README's reproduction table."""
    try:
        if args.evidence_command == "collect":
            return _evidence_collect(args)
        return _evidence_table(args)
    except (evidence.EvidenceError, ResultFileError, OSError) as err:
        print(f"taskdyn evidence {args.evidence_command}: {err}", file=sys.stderr)
        return EXIT_ERROR


def _evidence_collect(args: argparse.Namespace) -> int:
    """Copy the run's evidence into --dest and print what run.json records."""
    record = evidence.collect(
        args.results_dir, args.study, args.dest, command=args.command, config=args.config,
        time_logs=args.time_log, tables=args.tables, figures=args.figures,
        max_bytes=args.max_bytes)
    print(f"{args.dest}: {len(record['files'])} files and {evidence.RUN_JSON} "
          f"({evidence.run_line(record)}, {record['jobs']} jobs)")
    for entry in record["left_out"]:
        print(f"left out (over {args.max_bytes} bytes): {entry['path']} ({entry['bytes']} bytes)")
    return EXIT_OK


def _evidence_table(args: argparse.Namespace) -> int:
    """Write the reproduction table into the README; with --check, 1 if it is out of date."""
    diff = evidence.update_readme(args.readme, args.root, check=args.check)
    if args.check and diff:
        print("\n".join(diff))
        print(f"{args.readme}: the reproduction table is out of date; run taskdyn evidence "
              "table", file=sys.stderr)
        return EXIT_MISMATCH
    print(f"{args.readme}: the reproduction table is "
          f"{'up to date' if not diff else 'rewritten'}")
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
    "evidence": ("collect a run's reproduction evidence; write the README's table from it",
                 _add_evidence, _evidence),
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
