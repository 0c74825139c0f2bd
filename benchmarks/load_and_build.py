"""Benchmark: load N generated settlements, build the dbt project, then add one month.

    python -m benchmarks.load_and_build [--settlements 1000000] [--months 12]

Prints, in one run on the same server:
- the reference ceiling: COPY of the largest settlement file into an unlogged text table;
- the loader's end-to-end rate (read, COPY, validate, route to raw/quarantine) in rows/s;
- seconds for the full `dbt build`;
- seconds to load (all its files) and build one more month on the built warehouse, and its
  share of the full load (all files of the other months, reference files included) + build
  (the target is at most 15 %).
The first `--months` months are loaded first; the generated month after them is the added one.
Runs in its own database `bench` on the warehouse server (dropped and recreated).
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from functools import partial
from pathlib import Path

import psycopg

from orchestration import warehouse
from orchestration.dbt_project import BUILD_ARGS, run_dbt
from orchestration.generator import generate, persons_for_settlements
from orchestration.loading import discover, load_file, load_files
from orchestration.raw_schema import ensure_schemas
from orchestration.sources import SOURCES

OUTPUT = Path("bench-output")


def landing_for(settlements: int, months: int) -> Path:
    """Generate (once) months + 1 months holding about `settlements` in the first `months`."""
    root = OUTPUT / f"landing-{settlements}-{months}"
    if not (root / "reference").exists():
        shutil.rmtree(root, ignore_errors=True)
        persons = persons_for_settlements(settlements, months)
        started = time.perf_counter()
        generate(root, start="2024-01", months=months + 1, persons=persons)
        print(f"generated {root} ({persons:,} persons) in {time.perf_counter() - started:.1f} s")
    return root


def fresh_database(name: str = "bench") -> str:
    """The URL of database `name` on the warehouse server, dropped and created anew (on the
    embedded server, owned by the pipeline role, as the warehouse is)."""
    external = os.environ.get("WAREHOUSE_URL")
    server = external or warehouse.embedded_admin_url()
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"drop database if exists {name} with (force)")
    return warehouse.prepare_database(server, name, provisioned=not external)


def copy_ceiling(url: str, path: Path) -> float:
    """Rows/s of a bare COPY of `path` into an unlogged table of text columns."""
    header = path.open(encoding="utf-8").readline().strip().split(",")
    with psycopg.connect(url) as conn:
        conn.execute(f"create unlogged table copy_ceiling ({', '.join(f'{c} text' for c in header)})")
        started = time.perf_counter()
        with conn.cursor().copy("copy copy_ceiling from stdin (format csv, header true)") as copy:
            with path.open("rb") as f:
                while chunk := f.read(8 << 20):
                    copy.write(chunk)
        seconds = time.perf_counter() - started
        rows = conn.execute("select count(*) from copy_ceiling").fetchone()[0]
        conn.execute("drop table copy_ceiling")
        conn.commit()
    return rows / seconds


def load(url: str, root: Path, months: list[str]) -> tuple[int, float, float]:
    """Load the reference files and the given months, as the Dagster assets do; returns
    (settlement rows, seconds from the first settlement file to the last one committed,
    seconds for all the files)."""
    landing = discover(root)
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_schemas(conn)
        for name, path in landing.reference.items():
            load_file(conn, SOURCES[name], path, landing.root)
    connect = partial(psycopg.connect, url, autocommit=True)
    rows, seconds = 0, 0.0
    for name, files in landing.monthly.items():
        clock = time.perf_counter()
        loads = list(load_files(connect, SOURCES[name], [(files[month], month) for month in months], landing.root))
        if name == "settlement":
            rows, seconds = sum(load.rows_read for load in loads), time.perf_counter() - clock
    return rows, seconds, time.perf_counter() - started


def dbt_build(url: str) -> float:
    warehouse.export_dbt_env(url)
    started = time.perf_counter()
    run_dbt(*BUILD_ARGS, "--quiet", check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settlements", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()

    root = landing_for(args.settlements, args.months)
    all_months = discover(root).months
    first, added = all_months[:-1], all_months[-1:]
    url = fresh_database()
    largest = max((root / "settlement").glob("*.csv"), key=lambda p: p.stat().st_size)
    ceiling = copy_ceiling(url, largest)

    rows, settlement_seconds, load_seconds = load(url, root, first)
    build_seconds = dbt_build(url)
    added_rows, _, added_load = load(url, root, added)
    added_build = dbt_build(url)

    full = load_seconds + build_seconds
    print(f"reference: bare COPY of {largest.name} into unlogged text: {ceiling:,.0f} rows/s")
    print(f"loading:   {rows:,} settlements in {settlement_seconds:.1f} s = {rows / settlement_seconds:,.0f} rows/s "
          f"(validation included; {rows / settlement_seconds / ceiling:.0%} of the bare COPY); "
          f"all files {load_seconds:.1f} s")
    print(f"dbt build: {build_seconds:.1f} s (full build, {len(first)} months)")
    print(f"one more month: {added_rows:,} settlements loaded in {added_load:.1f} s, built in "
          f"{added_build:.1f} s = {(added_load + added_build) / full:.0%} of the full load + build")


if __name__ == "__main__":
    main()
