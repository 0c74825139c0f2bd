"""Benchmark: load N generated settlements, build the dbt project, then add one month; and one
month of settlements over realistic persons against the same month over few person IDs.

    python -m benchmarks.load_and_build [--settlements 1000000] [--months 12]
                                        [--month-settlements 1000000] [--skewed-persons 400] [--skewed-only]
                                        [--no-charts] [--citus]

Prints, in one run on the same server:
- the reference ceiling: COPY of the largest settlement file into an unlogged text table;
- the loader's end-to-end rate (read, COPY, validate, route to raw/quarantine) in rows/s;
- seconds for the full `dbt build`;
- seconds to load (all its files) and build one more month on the built warehouse, and its
  share of the full load (all files of the other months, reference files included) + build
  (the target is at most 15 %);
- every dashboard chart's query through Superset (benchmarks.chart_queries), slowest first;
- per step, the peak memory of the server and of the loader and dbt, the servers' CPU seconds and
  busy time per node (benchmarks.resources); the database's and the landing files' size; the
  machine's load average at the start, after each step and at the end.
The first `--months` months are loaded first; the generated month after them is the added one.
These figures are recorded in docs/benchmarks/results.json (one row per target and size), from
which docs/benchmarks.md and its plot are regenerated (benchmarks.curve_page).

Then (unless `--skewed-persons 0`) one generated month of about `--month-settlements`
settlements, loaded with all its files and built in a fresh database, twice: as generated, and
with its settlements' person IDs folded onto `--skewed-persons` IDs, as exports with placeholder
person IDs (walk-in pharmacy sales, unknown patients) are. It prints both run times (load +
build), their ratio (the target is at most 2) and the time of `suspicious_settlements`, whose
per-person rules a skew would make quadratic. `--skewed-only` runs this comparison alone.
Runs in its own database `bench` on the warehouse server (dropped and recreated); the embedded
server, when no WAREHOUSE_URL is given, and Superset's state live under bench-output/home. With
`--citus`, on a local Citus cluster instead (orchestration/citus_cluster.py: a coordinator and two
workers started for the run, their data under $TMPDIR, stopped and deleted at the end), with the
raw tables and the models distributed (dbt target `citus`, docs/citus.md).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import time
import zlib
from bisect import bisect_right
from functools import cache, partial
from itertools import accumulate, islice
from pathlib import Path

import psutil
import psycopg
from psycopg.conninfo import make_conninfo

from benchmarks import curve_page, resources
from benchmarks.chart_queries import BENCH_HOME, chart_timings, print_timings
from orchestration import warehouse
from orchestration.citus_cluster import CitusCluster, running_cluster
from orchestration.dbt_project import BUILD_ARGS, DBT_PROJECT_DIR, run_dbt
from orchestration.generator import generate, persons_for_settlements
from orchestration.loading import discover, load_file, load_files
from orchestration.raw_schema import ensure_schemas
from orchestration.sources import SOURCES

OUTPUT = Path("bench-output")
MONTH = "2024-01"
CITUS: list[CitusCluster] = []  # the cluster of a --citus run


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


def month_landing(settlements: int) -> Path:
    """A landing directory with one generated month of about `settlements` settlements."""
    root = OUTPUT / f"month-{settlements}"
    if not (root / "settlement" / f"{MONTH}.csv").exists():
        shutil.rmtree(root, ignore_errors=True)
        generate(root, start=MONTH, months=1, persons=persons_for_settlements(settlements, 1))
    return root


def skewed_landing(root: Path, persons: int) -> Path:
    """A copy of the one-month landing `root` (its files hard-linked) whose settlements carry
    only `persons` person IDs, the month's first enrolled ones, as unevenly as placeholder IDs
    do: the first (an "unknown patient" ID) carries half of the settlements, the others share
    the rest. Each settlement's person is folded onto one of them by a hash of its ID, so a
    person's settlements and reversals stay together."""
    skewed = OUTPUT / f"{root.name}-skewed-{persons}"
    settlement = Path("settlement") / f"{MONTH}.csv"
    if (skewed / settlement).exists():
        return skewed
    shutil.rmtree(skewed, ignore_errors=True)
    shutil.copytree(root, skewed, copy_function=os.link)
    (skewed / settlement).unlink()
    with (root / "enrollment" / f"{MONTH}.csv").open(encoding="utf-8", newline="") as enrollment:
        placeholders = [row["person_id"] for row in islice(csv.DictReader(enrollment), persons)]
    shares = list(accumulate([max(len(placeholders) - 1, 1)] + [1] * (len(placeholders) - 1)))
    with (root / settlement).open(encoding="utf-8", newline="") as source, \
            (skewed / settlement).open("w", encoding="utf-8", newline="") as target:
        rows, out = csv.reader(source), csv.writer(target, lineterminator="\n")
        header = next(rows)
        out.writerow(header)
        person = header.index("person_id")
        for row in rows:
            share = zlib.crc32(row[person].encode()) / 2**32 * shares[-1]
            row[person] = placeholders[bisect_right(shares, share)]
            out.writerow(row)
    return skewed


def fresh_database(name: str = "bench") -> str:
    """The URL of database `name` on the warehouse server, dropped and created anew (on the
    embedded server, owned by the pipeline role, as the warehouse is; on a --citus run's cluster,
    on every node, with Citus in it)."""
    if CITUS:
        CITUS[0].drop_database(name)
        return CITUS[0].create_database(name)
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


def node_seconds(model: str) -> float:
    """Seconds of `model`'s node in the latest dbt build (its run_results.json)."""
    results = json.loads((DBT_PROJECT_DIR / "target" / "run_results.json").read_text())["results"]
    return next(r["execution_time"] for r in results if r["unique_id"] == f"model.yibao.{model}")


def month_run(root: Path) -> tuple[int, float, float, float]:
    """Load every file of the one-month landing `root` into a fresh database and build it:
    (settlements, seconds to load, seconds to build, seconds of suspicious_settlements' node)."""
    url = fresh_database()
    rows, _, load_seconds = load(url, root, [MONTH])
    build_seconds = dbt_build(url)
    return rows, load_seconds, build_seconds, node_seconds("suspicious_settlements")


def skew_comparison(settlements: int, persons: int) -> None:
    """Print the run of one month over realistic persons beside the same month over `persons` IDs."""
    realistic = month_landing(settlements)
    skewed = skewed_landing(realistic, persons)
    runs = {"realistic persons": month_run(realistic), f"{persons} person IDs": month_run(skewed)}
    with psycopg.connect(make_conninfo(warehouse.warehouse_url(), dbname="bench")) as conn:
        stays, stay_persons, most = conn.execute("""
            select sum(stays), count(*), max(stays)
            from (select count(*) as stays from intermediate.int_stays_effective group by person_key) as persons
        """).fetchone()
    for label, (rows, load_seconds, build_seconds, rules) in runs.items():
        print(f"one month of {rows:,} settlements, {label}: loaded in {load_seconds:.1f} s, built in "
              f"{build_seconds:.1f} s (suspicious_settlements {rules:.1f} s) = {load_seconds + build_seconds:.1f} s")
    (_, base_load, base_build, _), (_, skew_load, skew_build, _) = runs.values()
    print(f"skewed month: {(skew_load + skew_build) / (base_load + base_build):.2f}× the realistic month's run "
          f"(target at most 2×); its {stays:,} effective stays belong to {stay_persons} persons, "
          f"{most:,} of them to one")


def critical_path(run_results: dict, manifest: dict) -> float:
    """Seconds of the longest chain of dependent nodes in a dbt build (its run_results.json and
    manifest.json): the least the build could take with unlimited threads and cores, each node
    as fast as it ran."""
    seconds = {r["unique_id"]: r["execution_time"] for r in run_results["results"]}
    parents = {uid: node["depends_on"]["nodes"] for uid, node in manifest["nodes"].items() if uid in seconds}

    @cache
    def finish(uid: str) -> float:
        return seconds[uid] + max((finish(parent) for parent in parents.get(uid, ()) if parent in seconds),
                                  default=0.0)

    return max(map(finish, seconds), default=0.0)


def latest_critical_path() -> float:
    """critical_path() of the latest dbt build in the project's target folder."""
    target = DBT_PROJECT_DIR / "target"
    return critical_path(*(json.loads((target / name).read_text()) for name in ("run_results.json", "manifest.json")))


def target_name(url: str) -> str:
    """The server the benchmark ran on: PostgreSQL's version, and Citus's with its workers when installed."""
    with psycopg.connect(url) as conn:
        version = conn.execute("show server_version").fetchone()[0].split()[0]
        citus = conn.execute("select extversion from pg_extension where extname = 'citus'").fetchone()
        if not citus:
            return f"PostgreSQL {version}, one node"
        workers = conn.execute("select count(*) from pg_dist_node where groupid <> 0").fetchone()[0]
    return f"Citus {citus[0]} on PostgreSQL {version}, coordinator + {workers} workers"


def build_and_add_month(settlements: int, months: int, charts: bool) -> dict:
    """Load `months` months of about `settlements` settlements, build, add one more month, time
    the dashboards' chart queries (`charts`); print the figures and return them as a result row
    of the benchmark page (benchmarks.curve_page)."""
    load_average = [resources.load_average()]
    print(f"load average {load_average[0]:.2f} at the start")
    root = landing_for(settlements, months)
    all_months = discover(root).months
    first, added = all_months[:-1], all_months[-1:]
    url = fresh_database()
    largest = max((root / "settlement").glob("*.csv"), key=lambda p: p.stat().st_size)
    ceiling = copy_ceiling(url, largest)
    costs = resources.StepCosts.of(url)
    with costs.step("load"):
        rows, settlement_seconds, load_seconds = load(url, root, first)
    with costs.step("build"):
        build_seconds = dbt_build(url)
    path = latest_critical_path()
    with costs.step("month"):
        added_rows, _, added_load = load(url, root, added)
        added_build = dbt_build(url)
    database = resources.database_bytes(url)
    landing = resources.directory_bytes(root)

    full = load_seconds + build_seconds
    print(f"reference: bare COPY of {largest.name} into unlogged text: {ceiling:,.0f} rows/s")
    print(f"loading:   {rows:,} settlements in {settlement_seconds:.1f} s = {rows / settlement_seconds:,.0f} rows/s "
          f"(validation included; {rows / settlement_seconds / ceiling:.0%} of the bare COPY); "
          f"all files {load_seconds:.1f} s")
    print(f"dbt build: {build_seconds:.1f} s (full build, {len(first)} months; longest chain of nodes {path:.0f} s)")
    print(f"one more month: {added_rows:,} settlements loaded in {added_load:.1f} s, built in "
          f"{added_build:.1f} s = {(added_load + added_build) / full:.0%} of the full load + build")
    for name, peak in costs.memory.peaks.items():
        print(f"peak memory, {name}: server {peak['server'] / 1e9:.2f} GB, loader and dbt {peak['client'] / 1e9:.2f} GB")
    print(f"disk: database {database / 1e9:.2f} GB, landing files {landing / 1e9:.2f} GB")

    slowest = None
    if charts:
        timings = chart_timings(url)
        print_timings(timings)
        slowest = {"name": timings[0][0], "seconds": round(timings[0][1], 3)}
    load_average.append(resources.load_average())
    print(f"load average {load_average[1]:.2f} at the end")
    return {
        "target": target_name(url), "settlements": settlements, "settlements_loaded": rows, "months": len(first),
        "date": time.strftime("%Y-%m-%d"), "cores": os.cpu_count(),
        "memory_bytes": psutil.virtual_memory().total, "load_average": [round(a, 2) for a in load_average],
        "load_rows_per_second": round(rows / settlement_seconds), "all_files_seconds": round(load_seconds, 1),
        "build_seconds": round(build_seconds, 1), "critical_path_seconds": round(path, 1),
        "month_settlements": added_rows, "month_seconds": round(added_load + added_build, 1),
        "month_load_seconds": round(added_load, 1), "month_build_seconds": round(added_build, 1),
        "slowest_chart": slowest, "memory": costs.memory.peaks,
        "cpu_seconds": {name: round(seconds, 1) for name, seconds in costs.cpu.items()},
        "busy_seconds": {name: [round(b, 1) for b in busy] for name, busy in costs.busy.items()},
        "database_bytes": database, "landing_bytes": landing,
        "disk_free_bytes": shutil.disk_usage(OUTPUT).free,
        "nodes": len(resources.node_urls(url)),
        "workers": resources.worker_shares(url) if len(resources.node_urls(url)) > 1 else [],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settlements", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--month-settlements", type=int, default=1_000_000,
                        help="settlements of the month run over realistic and over few person IDs")
    parser.add_argument("--skewed-persons", type=int, default=400,
                        help="person IDs of the skewed month (0: no skewed month)")
    parser.add_argument("--skewed-only", action="store_true", help="only the skewed month's comparison")
    parser.add_argument("--no-charts", action="store_true", help="leave the dashboards' chart queries untimed")
    parser.add_argument("--citus", action="store_true",
                        help="on a local Citus cluster (a coordinator and two workers) started for the run")
    args = parser.parse_args()

    os.environ["YIBAO_HOME"] = os.path.abspath(BENCH_HOME)
    if not args.citus:
        run(args)
        return
    with running_cluster() as cluster:
        CITUS.append(cluster)
        os.environ.update(WAREHOUSE_URL=cluster.url(), YIBAO_DBT_TARGET="citus")
        print(f"Citus: a coordinator and {len(cluster.workers)} workers under {cluster.root}")
        run(args)


def run(args: argparse.Namespace) -> None:
    if not args.skewed_only:
        curve_page.record(build_and_add_month(args.settlements, args.months, not args.no_charts))
    if args.skewed_persons:
        skew_comparison(args.month_settlements, args.skewed_persons)


if __name__ == "__main__":
    main()
