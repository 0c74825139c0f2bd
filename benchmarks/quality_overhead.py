"""Benchmark: what the data-quality checks add to the load time, at the 1M-settlement size.

    python -m benchmarks.quality_overhead [--settlements 1000000] [--months 12] [--repeat 3] [--with-dbt]

Runs the raw assets of the Dagster code location in process, as `yibao run` does, on the
benchmark landing directory (generated once by benchmarks/load_and_build.py), each run in a
new Python process (GX's import included, as in `yibao run`) and a fresh database
`bench_quality` on the warehouse server:
1. the loads alone (checks excluded): the load time;
2. the loads with their checks, the step `raw_data_quality` (the validations, the audit records
   and the Data Docs; GX's import runs in the background during the loads);
3. on the database of the last 2, one more month with its checks.
1 and 2 alternate `--repeat` times and the fastest of each counts (other work on the machine
only ever slows a run down). The overhead is (loads + checks in 2 − loads in 1) ÷ loads in 1.
With --with-dbt, the marts are built before 3 and `reconciled_with_raw` on
marts/fct_settlements is timed as well.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import warnings
from collections import defaultdict

import psycopg
from psycopg.conninfo import make_conninfo

from benchmarks.load_and_build import landing_for
from orchestration import warehouse
from orchestration.loading import discover

DATABASE = "bench_quality"
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def single(job: str, months: list[str], url: str) -> dict[str, float]:
    """Run one job of the code location in this process; seconds per kind of step."""
    import dagster as dg

    from orchestration.pipeline import prepare_dagster

    os.environ["WAREHOUSE_URL"] = url
    prepare_dagster()
    from orchestration.definitions import defs
    from orchestration.defs.dbt_assets import dbt_models
    from orchestration.defs.quality_checks import quality_checks
    from orchestration.defs.raw_assets import raw_assets

    raw = dg.AssetSelection.assets(*raw_assets)
    selection = {"loads": raw.without_checks(), "loads_checked": raw, "build": dg.AssetSelection.assets(dbt_models)}
    bench = dg.Definitions(assets=[*raw_assets, dbt_models], asset_checks=quality_checks, resources=defs.resources,
                           jobs=[dg.define_asset_job(job, selection=selection[job])])
    tags = {"dagster/asset_partition_range_start": months[0], "dagster/asset_partition_range_end": months[-1]}
    with dg.DagsterInstance.ephemeral() as instance, contextlib.redirect_stdout(io.StringIO()):
        result = bench.resolve_job_def(job).execute_in_process(instance=instance, tags=tags, run_config=QUIET,
                                                               raise_on_error=False)
        stats = instance.get_run_step_stats(result.run_id)
    if not result.success:
        raise SystemExit(f"{job} failed")
    seconds: dict[str, float] = defaultdict(float)
    for step in stats:
        kind = ("checks" if step.step_key == "raw_data_quality" else "dbt" if step.step_key == "dbt_models"
                else "load" if step.step_key.startswith("raw__") else "fct check")
        seconds[kind] += step.end_time - step.start_time
    for evaluation in result.get_asset_check_evaluations()[:1]:
        if "seconds_per_suite" in evaluation.metadata:
            seconds["by suite"] = evaluation.metadata["seconds_per_suite"].value
    return seconds


def spawn(job: str, months: list[str], url: str, fresh: bool, server: str) -> dict:
    if fresh:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"drop database if exists {DATABASE} with (force)")
            conn.execute(f"create database {DATABASE}")
    command = [sys.executable, "-m", "benchmarks.quality_overhead", "--single", job, "--range", months[0],
               months[-1], "--url", url]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{job}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settlements", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the loads alone and with checks")
    parser.add_argument("--with-dbt", action="store_true", help="also build the marts and check the fact")
    parser.add_argument("--single", help=argparse.SUPPRESS)
    parser.add_argument("--range", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    root = landing_for(args.settlements, args.months)
    os.environ["YIBAO_LANDING"] = str(root.resolve())
    if args.single:
        print(json.dumps(single(args.single, args.range, args.url)))
        return

    months = discover(root).months
    first, added = months[:-1], months[-1:]
    server = warehouse.warehouse_url()
    url = make_conninfo(server, dbname=DATABASE)
    alone, checked = [], []
    for _ in range(args.repeat):
        alone.append(spawn("loads", first, url, True, server))
        checked.append(spawn("loads_checked", first, url, True, server))
    built = spawn("build", first, url, False, server) if args.with_dbt else {}
    more = spawn("loads_checked", added, url, False, server)

    base = min(s["load"] for s in alone)
    best = min(checked, key=lambda s: s["load"] + s["checks"])
    overhead = (best["load"] + best["checks"] - base) / base
    print(f"landing {root}: {len(first)} months, then {added[0]}")
    print("loads alone:       " + ", ".join(f"{s['load']:.1f}" for s in alone) + " s")
    print("loads with checks: " + ", ".join(f"{s['load']:.1f} + {s['checks']:.1f}" for s in checked) + " s")
    print("  checks by suite (fastest run): " + ", ".join(f"{k} {v:.2f}" for k, v in best["by suite"].items()))
    print(f"overhead:          fastest {best['load']:.1f} + {best['checks']:.1f} s against {base:.1f} s = "
          f"{overhead:.1%} (target: at most 25 %); the check step alone: {best['checks'] / base:.1%}")
    print(f"one more month:    {more['load']:.1f} s + checks {more['checks']:.1f} s")
    if built:
        print(f"dbt build:         {built['dbt']:.1f} s; reconciled_with_raw on marts/fct_settlements: "
              f"{built['fct check']:.1f} s")


if __name__ == "__main__":
    main()
