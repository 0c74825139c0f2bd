"""The `yibao` command (README.md, docs/operations.md)."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

# what `yibao serve` serves; the code server only with --only, as a container of its own
PARTS = ("superset", "dagster-webserver", "dagster-daemon", "dagster-code")


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    warnings.filterwarnings("ignore", message=".*is currently in beta.*")
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except (FileNotFoundError, ValueError) as problem:
        print(f"yibao: {problem}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yibao", description="Medical-insurance fund warehouse")
    commands = parser.add_subparsers(required=True, metavar="command")

    generate = commands.add_parser("generate", help="write a synthetic landing directory")
    generate.add_argument("--out", required=True, type=Path)
    generate.add_argument("--seed", type=int, default=20240101)
    generate.add_argument("--start", default="2024-01", help="first month, YYYY-MM")
    generate.add_argument("--months", type=int, default=24)
    generate.add_argument("--persons", type=int, default=20000)
    generate.set_defaults(handler=_generate)

    run = commands.add_parser("run", help="load, validate and build everything through Dagster")
    run.add_argument("--landing", required=True, type=Path)
    run.add_argument("--full-refresh", action="store_true",
                     help="rebuild the incremental models from scratch (after a change of their columns)")
    run.set_defaults(handler=_run)

    bulletin = commands.add_parser("bulletin", help="write the half-year bulletin (HTML, PDF, XLSX) and print its paths")
    bulletin.add_argument("--period", required=True, help="the half-year, YYYY-H1 or YYYY-H2")
    bulletin.set_defaults(handler=_bulletin)

    serve = commands.add_parser("serve", help="serve the dashboards (Superset, 127.0.0.1:8088) and the Dagster UI "
                                              "(127.0.0.1:3000, read-only) until stopped")
    serve.add_argument("--dagster-writable", action="store_true",
                       help="let the Dagster UI launch runs and turn sensors on (it has no login: "
                            "whoever reaches it could)")
    serve.add_argument("--only", choices=PARTS, help="serve this part alone (one container each)")
    serve.set_defaults(handler=_serve)

    stop = commands.add_parser("stop", help="end what a killed `yibao serve` left running, and the embedded PostgreSQL")
    stop.set_defaults(handler=_stop)

    backup = commands.add_parser("backup", help="copy the warehouse, Superset's metadata, Dagster's instance and the "
                                                "secrets into a new folder")
    backup.add_argument("--out", required=True, type=Path)
    backup.set_defaults(handler=_backup)

    restore = commands.add_parser("restore", help="bring a backup back into an empty YIBAO_HOME or empty databases")
    restore.add_argument("source", type=Path)
    restore.set_defaults(handler=_restore)

    upgrade = commands.add_parser("upgrade", help="after an update: migrate Dagster's and Superset's stores, rebuild "
                                                  "the incremental models whose columns changed")
    upgrade.set_defaults(handler=_upgrade)
    return parser


def _generate(args: argparse.Namespace) -> int:
    from orchestration.generator import generate

    counts = generate(args.out, seed=args.seed, start=args.start, months=args.months, persons=args.persons)
    print(f"wrote {args.out}:")
    for source, rows in counts.items():
        print(f"  {source:<22} {rows:>12,} rows")
    return 0


def _run(args: argparse.Namespace) -> int:
    from orchestration.pipeline import run_pipeline

    outcome = run_pipeline(args.landing, full_refresh=args.full_refresh, bulletin=True)
    print(outcome.report())
    return 0 if outcome.success else 1


def _bulletin(args: argparse.Namespace) -> int:
    from orchestration.bulletin import HalfYear
    from orchestration.pipeline import run_bulletin

    outcome = run_bulletin(str(HalfYear.parse(args.period)))
    for line in outcome.errors:
        print(f"yibao bulletin: {line}", file=sys.stderr)
    for path in outcome.files:
        print(path)
    return 0 if outcome.success else 1


def _serve(args: argparse.Namespace) -> int:
    from orchestration.serving import serve

    return serve(dagster_writable=args.dagster_writable, only=args.only)


def _stop(args: argparse.Namespace) -> int:
    from orchestration.serving import stop_all

    stopped = stop_all()
    print("stopped: " + ", ".join(stopped) if stopped else "nothing was running")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from orchestration.backup import backup

    print("\n".join(["backed up:", *backup(args.out)]))
    return 0


def _restore(args: argparse.Namespace) -> int:
    from orchestration.backup import restore

    print("\n".join(["restored:", *restore(args.source)]))
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    from orchestration.upgrade import upgrade

    print("\n".join(upgrade()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
