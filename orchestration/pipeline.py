"""`yibao run`: materialize the whole code location for one landing directory, then report.

The run goes through the same `Definitions` the Dagster UI shows, in process, recorded in the
Dagster instance under `$YIBAO_HOME/dagster` so the UI lists it afterwards.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from orchestration.loading import Landing, discover
from orchestration.loading.landing import missing_reference
from orchestration.quality.gx_context import import_in_background
from orchestration.raw_schema import ensure_schemas
from orchestration.warehouse import connect, open_private, private_dir, table_exists, yibao_home

RUN_LOCK = "yibao.run"  # the key of the advisory lock held for a run (hashtext of it)
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


@dataclass
class Outcome:
    success: bool
    errors: list[str] = field(default_factory=list)
    loads: list[tuple] = field(default_factory=list)  # (source, files, rows loaded, rows quarantined, rejected)
    marts: list[str] = field(default_factory=list)
    log: Path | None = None  # dbt's output of the run
    payable: list[tuple] = field(default_factory=list)  # (fund, month, closing balance, months, status)

    def report(self) -> str:
        lines = ["Loaded this run:", f"  {'source':<22}{'files':>7}{'rows loaded':>14}{'quarantined':>13}{'rejected':>10}"]
        lines += [f"  {s:<22}{f:>7}{l:>14,}{q:>13,}{r:>10}" for s, f, l, q, r in self.loads] or ["  (no new or changed files)"]
        lines.append(f"Marts built: {len(self.marts)}" + (f" ({', '.join(self.marts)})" if self.marts else ""))
        if self.payable:
            lines.append("Latest payable months:")
            lines += [f"  {fund:<18}{month:%Y-%m}  balance {balance:>18,.2f}  "
                      f"{'n/a' if months is None else f'{months:.1f}':>6} months  {status}"
                      for fund, month, balance, months, status in self.payable]
        if self.log:
            lines.append(f"dbt output: {self.log}")
        if self.errors:
            lines.append("FAILED:")
            lines += [f"  {error}" for error in self.errors]
        return "\n".join(lines)


def prepare_dagster() -> None:
    """A persistent Dagster instance under YIBAO_HOME and a parsed dbt manifest."""
    from orchestration.dbt_project import ensure_manifest

    home = private_dir(Path(os.environ.setdefault("DAGSTER_HOME", str(yibao_home() / "dagster"))))
    (home / "dagster.yaml").touch()
    ensure_manifest()


def run_pipeline(landing_dir: Path, full_refresh: bool = False) -> Outcome:
    """Load every file of `landing_dir`, build the marts (the incremental ones from scratch with
    `full_refresh`); never raises for bad input."""
    landing = discover(landing_dir)
    if missing := missing_reference(landing):
        return Outcome(False, [f"{landing.root}: missing reference file(s): {', '.join(missing)}"])
    os.environ["YIBAO_LANDING"] = str(landing.root)
    prepare_dagster()
    from orchestration.definitions import defs

    # The run's set-up leaves a core idle for seconds: importing GX there, rather than when the
    # checks' resource starts the run, keeps it from slowing the first loads down.
    import_in_background()
    with exclusive_run():
        return _materialize(defs, landing, full_refresh)


@contextmanager
def exclusive_run() -> Iterator[None]:
    """Hold the warehouse's run lock for the block: a session-level advisory lock, so that a
    second `yibao run` on the same warehouse waits, saying for which run, until the first one
    ends (or dies: its session ends with it). Two runs loading at once could each take the
    other's month for one already loaded, or load a month's fund flows twice."""
    name = f"yibao run (pid {os.getpid()} on {socket.gethostname()})"
    with connect(autocommit=True, application_name=name) as conn:
        if not conn.execute("select pg_try_advisory_lock(hashtext(%s))", [RUN_LOCK]).fetchone()[0]:
            holder = conn.execute(
                """select string_agg(format('%s, started %s', a.application_name,
                                            to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS')), '; ')
                   from pg_stat_activity a join pg_locks l on l.pid = a.pid
                   where l.locktype = 'advisory' and l.granted and a.application_name like 'yibao run %'""",
            ).fetchone()[0]
            print(f"yibao: another run is using this warehouse ({holder or 'just ended'}); waiting for it to end",
                  file=sys.stderr, flush=True)
            conn.execute("select pg_advisory_lock(hashtext(%s))", [RUN_LOCK])
        yield


def _materialize(defs, landing: Landing, full_refresh: bool) -> Outcome:
    """Run the job `load_and_build` in process over the landing's months; the outcome."""
    import dagster as dg

    with connect() as conn:
        ensure_schemas(conn)
        conn.commit()
        before = conn.execute("select coalesce(max(load_id), 0) from audit.file_loads").fetchone()[0]

    job = defs.resolve_job_def("load_and_build")
    tags, selection = {}, None
    if landing.months:
        tags = {"dagster/asset_partition_range_start": landing.months[0],
                "dagster/asset_partition_range_end": landing.months[-1]}
    else:
        selection = [key for key in job.asset_layer.executable_asset_keys
                     if not defs.resolve_assets_def(key).partitions_def]
    log = yibao_home() / "logs" / f"run-{datetime.now():%Y%m%d-%H%M%S}.log"
    # dagster-dbt echoes every dbt event to stdout: keep it in a log file, not in the summary.
    with dg.DagsterInstance.get() as instance, open_private(log, "w") as sink, redirect_stdout(sink):
        run_config = {**QUIET, "ops": {"dbt_models": {"config": {"full_refresh": full_refresh}}}}
        result = job.execute_in_process(instance=instance, tags=tags, asset_selection=selection,
                                        run_config=run_config, raise_on_error=False)
    outcome = Outcome(result.success, errors=_failures(result), log=log)
    outcome.marts = sorted("/".join(e.asset_key.path) for e in result.get_asset_materialization_events()
                           if e.asset_key.path[0] == "marts")
    _summarize_warehouse(outcome, before)
    return outcome


def _failures(result) -> list[str]:
    errors = []
    for event in result.all_events:
        if not event.is_step_failure:
            continue
        data = event.step_failure_data
        message = data.user_failure_data.description if data.user_failure_data else None
        errors.append(f"{event.step_key}: {message or (data.error.message.strip() if data.error else 'failed')}")
    return errors


def _summarize_warehouse(outcome: Outcome, since_load_id: int) -> None:
    with connect() as conn:
        outcome.loads = conn.execute(
            """select source, count(*) filter (where status = 'loaded'),
                      coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0),
                      count(*) filter (where status = 'rejected')
               from audit.file_loads where load_id > %s group by source order by source""",
            [since_load_id],
        ).fetchall()
        if table_exists(conn, "marts.fund_payable_months"):
            outcome.payable = conn.execute(
                """select distinct on (fund_code) fund_code, month, closing_balance, payable_months, status
                   from marts.fund_payable_months order by fund_code, month desc"""
            ).fetchall()
