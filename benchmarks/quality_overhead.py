"""Benchmark: what the data-quality checks add to the load time, at the 1M-settlement size.

    python -m benchmarks.quality_overhead [--settlements 1000000] [--months 12] [--repeat 2]

Runs the code location's job in process, as `yibao run` does, on the benchmark landing
directory (generated once by benchmarks/load_and_build.py), each run in a new Python process
(GX's import included, as in `yibao run`) and a fresh database `bench_quality`:
1. the loads and `dbt build` without the data-quality checks;
2. the same with them: the step `raw_data_quality` after the loads (the validations, the audit
   records and the Data Docs; the step imports GX first) and
   `reconciled_with_raw` after dbt;
3. on the database of the last 2, one more month with its checks (no dbt).
1 and 2 alternate `--repeat` times; the fastest of each counts (other work on the machine only
ever slows a run down). It prints the seconds of every kind of step and the overhead on the
load time: (loads + raw checks in 2 − loads in 1) ÷ loads in 1. On a shared machine whose speed
drifts between runs, that figure moves with the drift; each checked run's check step ÷ its own
loads does not, and is printed too, with the difference the checks make to the whole run
(loads, checks and dbt).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import warnings
from collections import defaultdict

from psycopg.conninfo import make_conninfo

from benchmarks.load_and_build import fresh_database, landing_for
from orchestration import warehouse
from orchestration.loading import discover
from orchestration.pipeline import QUIET

DATABASE = "bench_quality"


def single(job: str, months: list[str], url: str) -> dict:
    """Run one job in this process; seconds per kind of step."""
    import dagster as dg

    from orchestration.pipeline import prepare_dagster

    os.environ["WAREHOUSE_URL"] = url
    prepare_dagster()
    from orchestration.definitions import defs
    from orchestration.defs.dbt_assets import dbt_models
    from orchestration.defs.quality_checks import quality_checks
    from orchestration.defs.raw_assets import raw_assets
    selection = dg.AssetSelection.assets(*raw_assets) if job == "more" else dg.AssetSelection.all()
    bench = dg.Definitions(assets=[*raw_assets, dbt_models], asset_checks=[] if job == "base" else quality_checks,
                           resources=defs.resources, jobs=[dg.define_asset_job(job, selection=selection)])
    tags = {"dagster/asset_partition_range_start": months[0], "dagster/asset_partition_range_end": months[-1]}
    with dg.DagsterInstance.ephemeral() as instance, contextlib.redirect_stdout(io.StringIO()):
        result = bench.resolve_job_def(job).execute_in_process(instance=instance, tags=tags, run_config=QUIET,
                                                               raise_on_error=False)
        stats = instance.get_run_step_stats(result.run_id)
    if not result.success:
        raise SystemExit(f"{job} failed")
    seconds: dict = defaultdict(float)
    for step in stats:
        kind = ("checks" if step.step_key == "raw_data_quality" else "dbt" if step.step_key == "dbt_models"
                else "load" if step.step_key.startswith("raw__") else "fct check")
        seconds[kind] += step.end_time - step.start_time
    seconds["run"] = max(s.end_time for s in stats) - min(s.start_time for s in stats)
    seconds["by suite"] = {}
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.asset_key.path[0] == "raw":
            seconds["by suite"].update(evaluation.metadata["seconds_per_suite"].value)
    return seconds


def spawn(job: str, months: list[str], url: str, fresh: bool) -> dict:
    if fresh:
        fresh_database(DATABASE)
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
    parser.add_argument("--repeat", type=int, default=2, help="runs without and with the checks")
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
    url = make_conninfo(warehouse.warehouse_url(), dbname=DATABASE)
    base, checked = [], []
    for _ in range(args.repeat):
        base.append(spawn("base", first, url, True))
        checked.append(spawn("checked", first, url, True))
    more = spawn("more", added, url, False)

    def seconds(runs: list[dict], key: str) -> str:
        return ", ".join(f"{run[key]:.1f}" for run in runs)

    b = min(base, key=lambda r: r["load"])
    c = min(checked, key=lambda r: r["load"] + r["checks"])
    print(f"landing {root}: {len(first)} months, then {added[0]}")
    print(f"without checks: loads {seconds(base, 'load')} s; dbt {seconds(base, 'dbt')} s; run {seconds(base, 'run')} s")
    print(f"with checks:    loads {seconds(checked, 'load')} s; raw checks {seconds(checked, 'checks')} s; "
          f"dbt {seconds(checked, 'dbt')} s; fct check {seconds(checked, 'fct check')} s; "
          f"run {seconds(checked, 'run')} s")
    print("  raw checks by suite (fastest run): " + ", ".join(f"{k} {v:.2f}" for k, v in c["by suite"].items()))
    print(f"overhead on the load time: ({c['load']:.1f} + {c['checks']:.1f} − {b['load']:.1f}) ÷ {b['load']:.1f} = "
          f"{(c['load'] + c['checks'] - b['load']) / b['load']:.1%} (target: at most 25 %)")
    shares = [run["checks"] / run["load"] for run in checked]
    print(f"check step ÷ the same run's loads: {', '.join(f'{share:.1%}' for share in shares)} "
          f"(median {statistics.median(shares):.1%}; the machine's drift between runs left out, "
          f"and with it what the checks cost the loads)")
    fastest_base, fastest_checked = min(r["run"] for r in base), min(r["run"] for r in checked)
    print(f"whole run (loads, checks, dbt): {fastest_checked:.1f} s against {fastest_base:.1f} s = "
          f"{(fastest_checked - fastest_base) / fastest_base:+.1%}")
    print(f"one more month: loads {more['load']:.1f} s, raw checks {more['checks']:.1f} s")

if __name__ == "__main__":
    main()
