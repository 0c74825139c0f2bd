"""`yibao run`: materialize the whole code location for one landing directory, then report.

The run goes through the same `Definitions` the Dagster UI shows, in process, recorded in the
Dagster instance under `$YIBAO_HOME/dagster` so the UI lists it afterwards.
"""

from __future__ import annotations

import os
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from orchestration.loading import Landing, discover
from orchestration.loading.landing import missing_reference
from orchestration.raw_schema import ensure_schemas
from orchestration.run_lock import exclusive_run
from orchestration.settings import dagster_home, dagster_instance
from orchestration.warehouse import connect, open_private, private_dir, table_exists, yibao_home

QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
SILENT = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}  # failures are reported from the result


@dataclass
class BulletinOutcome:
    period: str | None  # None: no half-year is complete in the data
    files: list[Path] = field(default_factory=list)  # HTML, PDF, XLSX
    errors: list[str] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return not self.errors

    def report(self) -> list[str]:
        if self.period is None:
            return ["Bulletin: no half-year is complete in the data yet"]
        if self.errors:
            return [f"Bulletin {self.period}: not written"]
        return [f"Bulletin {self.period}:", *(f"  {path}" for path in self.files)]


@dataclass
class Outcome:
    success: bool
    errors: list[str] = field(default_factory=list)
    loads: list[tuple] = field(default_factory=list)  # (source, files, rows loaded, rows quarantined, rejected)
    marts: list[str] = field(default_factory=list)
    log: Path | None = None  # dbt's output of the run
    payable: list[tuple] = field(default_factory=list)  # (fund, month, closing balance, months, status)
    bulletin: BulletinOutcome | None = None
    alerts: tuple | None = None  # (opened, resolved, delivered, where they were delivered)
    # the files rejected by this run: (file, the earlier delivery's load time or None)
    served_earlier: list[tuple[str, datetime | None]] = field(default_factory=list)

    def report(self) -> str:
        lines = ["Loaded this run:", f"  {'source':<22}{'files':>7}{'rows loaded':>14}{'quarantined':>13}{'rejected':>10}"]
        lines += [f"  {s:<22}{f:>7}{l:>14,}{q:>13,}{r:>10}" for s, f, l, q, r in self.loads] or ["  (no new or changed files)"]
        lines.append(f"Marts built: {len(self.marts)}" + (f" ({', '.join(self.marts)})" if self.marts else ""))
        if self.served_earlier:
            lines.append("Served from an earlier delivery (the file was rejected this run):")
            lines += [f"  {file:<34}" + (f"loaded {loaded:%Y-%m-%d %H:%M}" if loaded else "none: no earlier delivery loaded")
                      for file, loaded in self.served_earlier]
        if self.payable:
            stale = "" if self.marts else " (marts not rebuilt by this run)"
            lines.append(f"Latest payable months{stale}:")
            lines += [f"  {fund:<18}{month:%Y-%m}  balance {balance:>18,.2f}  "
                      f"{'n/a' if months is None else f'{months:.1f}':>6} months  {status}"
                      for fund, month, balance, months, status in self.payable]
        if self.alerts and (self.alerts[0] or self.alerts[1]):
            opened, resolved, delivered, where = self.alerts
            lines.append(f"Alerts: {opened} opened, {resolved} resolved; {delivered} delivered"
                         + (f" to {', '.join(where)}" if where else ""))
        if self.bulletin:
            lines += self.bulletin.report()
        if self.log:
            lines.append(f"dbt output: {self.log}")
        if self.errors:
            lines.append("FAILED:")
            lines += [f"  {error}" for error in self.errors]
        return "\n".join(lines)


def prepare_dagster() -> None:
    """A persistent Dagster instance (orchestration.settings.dagster_instance) and a parsed dbt
    manifest."""
    from orchestration.dbt_project import ensure_manifest

    write_dagster_instance()
    ensure_manifest()


def write_dagster_instance() -> Path:
    """$DAGSTER_HOME/dagster.yaml as the settings give it (rewritten only when they changed);
    DAGSTER_HOME is exported for Dagster and the processes started from here."""
    import yaml

    home = private_dir(dagster_home())
    os.environ["DAGSTER_HOME"] = str(home)
    config = home / "dagster.yaml"
    text = yaml.safe_dump(dagster_instance(), sort_keys=False)
    if not config.exists() or config.read_text() != text:
        config.write_text(text)
    return config


def run_pipeline(landing_dir: Path, full_refresh: bool = False, bulletin: bool = False) -> Outcome:
    """Load every file of `landing_dir`, build the marts (the incremental ones from scratch with
    `full_refresh`) and, with `bulletin`, write the bulletin of the latest complete half-year;
    never raises for bad input."""
    landing = discover(landing_dir)
    if missing := missing_reference(landing):
        return Outcome(False, [f"{landing.root}: missing reference file(s): {', '.join(missing)}"])
    os.environ["YIBAO_LANDING"] = str(landing.root)
    prepare_dagster()
    from orchestration.definitions import defs

    with exclusive_run():
        return _materialize(defs, landing, full_refresh, bulletin)


def _materialize(defs, landing: Landing, full_refresh: bool, bulletin: bool) -> Outcome:
    """Run the job `load_and_build` in process over the landing's months, then, with `bulletin`,
    the bulletin; the outcome."""
    import dagster as dg

    from orchestration.progress import progress_config

    with connect() as conn:
        ensure_schemas(conn)
        conn.commit()
        before = conn.execute("select coalesce(max(load_id), 0), clock_timestamp() from audit.file_loads").fetchone()

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
        run_config = {"loggers": {**QUIET["loggers"], **progress_config()},
                      "ops": {"dbt_models": {"config": {"full_refresh": full_refresh}}}}
        result = job.execute_in_process(instance=instance, tags=tags, asset_selection=selection,
                                        run_config=run_config, raise_on_error=False)
    outcome = Outcome(result.success, errors=_failures(result), log=log)
    outcome.marts = sorted("/".join(e.asset_key.path) for e in result.get_asset_materialization_events()
                           if e.asset_key.path[0] == "marts")
    _summarize_warehouse(outcome, before)
    if bulletin and result.success:  # the marts are built (a rejected file leaves its earlier delivery in them)
        outcome.bulletin = run_bulletin(_latest_complete_half_year())
        outcome.errors += outcome.bulletin.errors
        outcome.success = outcome.success and outcome.bulletin.success
    return outcome


def _latest_complete_half_year() -> str | None:
    from orchestration.bulletin import latest_complete

    with connect() as conn:
        period = latest_complete(conn)
    return str(period) if period else None


def run_bulletin(period: str | None) -> BulletinOutcome:
    """Materialize the bulletin of `period` (YYYY-Hn) through Dagster, in process."""
    if period is None:
        return BulletinOutcome(None)
    prepare_dagster()
    import dagster as dg

    from orchestration.definitions import defs

    job = defs.resolve_job_def("half_year_bulletin")
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(instance=instance, partition_key=period, run_config=SILENT,
                                        raise_on_error=False)
    if not result.success:
        return BulletinOutcome(period, errors=_failures(result))
    (materialization,) = result.asset_materializations_for_node("bulletin__half_year_bulletin")
    return BulletinOutcome(period, [Path(materialization.metadata[kind].path) for kind in ("html", "pdf", "xlsx")])


def _rejections(conn, since_load_id: int) -> list[tuple[str, str, datetime | None]]:
    """The files rejected after `since_load_id`: (file, message, when their current delivery,
    the one the marts are built on, was loaded; None when there is none)."""
    return conn.execute(
        """select r.file, r.message, (select max(c.loaded_at) from audit.file_loads c
                                      where c.source = r.source and c.file = r.file and c.status = 'loaded')
           from audit.file_loads r
           where r.load_id > %s and r.status = 'rejected'
           order by r.file, r.load_id""",
        [since_load_id],
    ).fetchall()


def _failures(result) -> list[str]:
    errors = []
    for event in result.all_events:
        if not event.is_step_failure:
            continue
        data = event.step_failure_data
        message = data.user_failure_data.description if data.user_failure_data else None
        errors.append(f"{event.step_key}: {message or (data.error.message.strip() if data.error else 'failed')}")
    return errors


def _summarize_warehouse(outcome: Outcome, before: tuple) -> None:
    """What the run loaded (loads after `before`'s load id) and notified (after its time)."""
    since_load_id, since = before
    with connect() as conn:
        if table_exists(conn, "audit.notifications"):
            outcome.alerts = conn.execute(
                """select count(*) filter (where event = 'opened'), count(*) filter (where event = 'resolved'),
                          count(delivered_at),
                          -- the outbox folder of the .eml files, or the SMTP server
                          array_agg(distinct case when delivered_to like 'smtp://%%' then delivered_to
                                                  else regexp_replace(delivered_to, '/[^/]*$', '') end)
                                    filter (where delivered_at is not null)
                   from audit.notifications where created_at >= %s""", [since]).fetchone()
        outcome.loads = conn.execute(
            """select source, count(*) filter (where status = 'loaded'),
                      coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0),
                      count(*) filter (where status = 'rejected')
               from audit.file_loads where load_id > %s group by source order by source""",
            [since_load_id],
        ).fetchall()
        rejected = _rejections(conn, since_load_id)
        if table_exists(conn, "marts.fund_payable_months"):
            outcome.payable = conn.execute(
                """select distinct on (fund_code) fund_code, month, closing_balance, payable_months, status
                   from marts.fund_payable_months order by fund_code, month desc"""
            ).fetchall()
    outcome.errors = [f"{file} rejected: {message}" for file, message, _ in rejected] + outcome.errors
    outcome.served_earlier = [(file, loaded) for file, _, loaded in rejected]
    outcome.success = outcome.success and not rejected
