"""Benchmark: every dashboard chart's query through Superset's chart data API at 1M settlements.

    python -m benchmarks.chart_queries [--settlements 1000000] [--months 12] [--reuse]

Loads and builds the `bench` database as `benchmarks.load_and_build` does (same generated
landing, same functions), starts Superset on a free port with the dashboards published on it,
then posts each chart's saved query context to `POST /api/v1/chart/data` with `force: true`
(no cache) and prints the seconds per chart and the slowest; the target is under 1 s each.
`--reuse` skips loading and building when the `bench` database already has the marts.
Superset's state and the embedded server (stopped at the end) live under bench-output/home, as
`make bench`'s do, so neither the developer's `.yibao` nor a running `yibao serve` is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import psycopg
from psycopg.conninfo import make_conninfo

from orchestration.warehouse import table_exists

BENCH_HOME = "bench-output/home"
TARGET_SECONDS = 1.0


def built_warehouse(settlements: int, months: int, reuse: bool) -> str:
    """The URL of the `bench` database with the marts built from `settlements` settlements."""
    from benchmarks.load_and_build import dbt_build, fresh_database, landing_for, load
    from orchestration import warehouse
    from orchestration.loading import discover

    url = make_conninfo(warehouse.warehouse_url(), dbname="bench")
    if reuse and _has_marts(url):
        return url
    root = landing_for(settlements, months)
    url = fresh_database()
    started = time.perf_counter()
    rows, _, _ = load(url, root, discover(root).months[:months])
    build = dbt_build(url)
    print(f"loaded {rows:,} settlements and built the marts in {time.perf_counter() - started:.0f} s "
          f"(dbt build {build:.0f} s)")
    return url


def chart_queries(client) -> list[tuple[str, dict]]:
    """(chart name, saved query context with the cache bypassed) of every chart."""
    queries = []
    for chart in client.every("/api/v1/chart/", ("id", "slice_name")):
        query_context = json.loads(client.get(f"/api/v1/chart/{chart['id']}")["result"]["query_context"])
        queries.append((chart["slice_name"], {**query_context, "force": True}))
    return queries


def time_charts(client, queries: list[tuple[str, dict]]) -> list[tuple[str, float, int]]:
    """(chart name, seconds, rows) of each query through the chart data API."""
    timings = []
    for name, query_context in queries:
        started = time.perf_counter()
        result = client.post("/api/v1/chart/data", query_context)["result"]
        timings.append((name, time.perf_counter() - started, sum(r.get("rowcount", 0) for r in result)))
    return timings


def chart_timings(url: str) -> list[tuple[str, float, int]]:
    """Start Superset on a free port, publish the dashboards on the warehouse `url` and time
    each chart's query, slowest first (second pass; the first warms Superset up)."""
    from dashboards.publish import admin_client, publish
    from dashboards.server import free_port, running_superset

    with running_superset(free_port()) as superset:
        publish(superset.url, url)
        client = admin_client(superset.url)
        queries = chart_queries(client)
        time_charts(client, queries)  # warm-up: Superset's first requests load metadata and connect
        return sorted(time_charts(client, queries), key=lambda t: -t[1])


def print_timings(timings: list[tuple[str, float, int]]) -> None:
    for name, seconds, rows in timings:
        print(f"{seconds:7.3f} s  {rows:>7,} rows  {name}")
    name, seconds, _ = timings[0]
    verdict = "within" if seconds < TARGET_SECONDS else "OVER"
    print(f"slowest of {len(timings)} charts: {name} in {seconds:.3f} s ({verdict} the {TARGET_SECONDS:.0f} s target)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settlements", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--reuse", action="store_true", help="keep an already built bench database")
    args = parser.parse_args()
    os.environ["YIBAO_HOME"] = os.path.abspath(BENCH_HOME)

    from orchestration import warehouse

    try:
        timings = chart_timings(built_warehouse(args.settlements, args.months, args.reuse))
    finally:
        if not os.environ.get("WAREHOUSE_URL"):
            warehouse.stop_embedded()
    print_timings(timings)


def _has_marts(url: str) -> bool:
    try:
        with psycopg.connect(url) as conn:
            return table_exists(conn, "marts.fund_balance_monthly")
    except psycopg.OperationalError:
        return False



if __name__ == "__main__":
    main()
