"""Automation: the landing sensor (new or changed files), the monthly schedule and the bulletin
schedule (January and July). They run under the Dagster daemon that `yibao serve` starts and
are on by default; the README says how to turn each off."""

import hashlib
import json
from datetime import datetime
from pathlib import Path

import dagster as dg

from orchestration.bulletin import HalfYear
from orchestration.bulletin.periods import require_complete
from orchestration.defs.bulletin import bulletin_job
from orchestration.loading import Landing
from orchestration.resources import LandingResource, WarehouseResource
from orchestration.sources import SOURCES

JOB = "load_and_build"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _landing_files(found: Landing) -> dict[str, tuple[str, str | None, Path]]:
    """Every landing file as `file` (relative, as audit.file_loads names it) → (source, month, path)."""
    files = {path.relative_to(found.root).as_posix(): (source, None, path) for source, path in found.reference.items()}
    for source, months in found.monthly.items():
        files.update({path.relative_to(found.root).as_posix(): (source, month, path) for month, path in months.items()})
    return files


def checksums(files: dict[str, tuple[str, str | None, Path]], cursor: dict) -> dict[str, list]:
    """`file` → [size, mtime_ns, sha256]; a file's checksum is computed again only when its size
    or modification time differ from `cursor`'s (an earlier evaluation's result)."""
    sums = {}
    for file, (_, _, path) in files.items():
        stat = path.stat()
        known = cursor.get(file)
        same = known is not None and known[:2] == [stat.st_size, stat.st_mtime_ns]
        sums[file] = [stat.st_size, stat.st_mtime_ns, known[2] if same else _sha256(path)]
    return sums


def changed_files(warehouse: WarehouseResource, sums: dict[str, list]) -> list[str]:
    """Files whose checksum differs from their latest load (loaded or rejected) in audit.file_loads."""
    with warehouse.connect() as conn:
        handled = dict(conn.execute("""select distinct on (file) file, sha256 from audit.file_loads
                                       order by file, load_id desc""").fetchall())
    return sorted(file for file, (_, _, sha256) in sums.items() if handled.get(file) != sha256)


def run_request(context: dg.SensorEvaluationContext, found: Landing, files: dict, changed: list[str],
                sums: dict[str, list]) -> dg.RunRequest:
    """Load just the changed files' sources and months, then build what depends on them.

    A changed reference file is looked up by the monthly rows, which are then checked again:
    the whole job over every landed month, as `yibao run` does. Otherwise the raw assets of the
    changed sources over the changed months (from the first to the last: the loader skips the
    unchanged files between them by checksum) and everything downstream of them.
    """
    sources = {files[file][0] for file in changed}
    months = sorted(files[file][1] for file in changed if files[file][1])
    selection = None
    if all(SOURCES[source].monthly for source in sources):
        graph = context.repository_def.asset_graph
        raw = dg.AssetSelection.assets(*(dg.AssetKey(["raw", source]) for source in sources))
        job_assets = context.repository_def.get_job(JOB).asset_layer.executable_asset_keys
        selection = sorted(raw.downstream().resolve(graph) & set(job_assets), key=lambda key: key.to_user_string())
    else:
        months = found.months
    run_key = hashlib.sha256("\n".join(f"{file}:{sums[file][2]}" for file in changed).encode()).hexdigest()
    tags = ({"dagster/asset_partition_range_start": months[0], "dagster/asset_partition_range_end": months[-1]}
            if months else {})
    return dg.RunRequest(run_key=run_key, asset_selection=selection, tags=tags)


@dg.sensor(job_name=JOB, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def landing_sensor(context: dg.SensorEvaluationContext, landing: LandingResource, warehouse: WarehouseResource):
    """New or changed landing files, by checksum against what the warehouse has loaded: a run
    that loads just them, then builds. The cursor keeps each file's size, modification time and
    checksum, so an unchanged file is not read again."""
    found = landing.discover()
    files = _landing_files(found)
    sums = checksums(files, json.loads(context.cursor or "{}"))
    context.update_cursor(json.dumps(sums))
    changed = changed_files(warehouse, sums)
    if not changed:
        return dg.SkipReason("no new or changed landing files")
    context.log.info(f"new or changed: {', '.join(changed)}")
    return run_request(context, found, files, changed, sums)


@dg.schedule(job_name=JOB, cron_schedule="0 6 5 * *", execution_timezone="Asia/Shanghai",
             default_status=dg.DefaultScheduleStatus.RUNNING)
def monthly_schedule(context: dg.ScheduleEvaluationContext, landing: LandingResource):
    """On the 5th of every month: the whole job over every landed month, as `yibao run` does (the
    loader skips files it has loaded), in case the sensor was off; it also builds the marts and
    alerts again on the month's data."""
    months = landing.discover().months
    if not months:
        return dg.SkipReason(f"no monthly files in {landing.path}")
    return dg.RunRequest(tags={"dagster/asset_partition_range_start": months[0],
                               "dagster/asset_partition_range_end": months[-1]})


@dg.schedule(job=bulletin_job, cron_schedule="0 7 * 1,7 *", execution_timezone="Asia/Shanghai",
             default_status=dg.DefaultScheduleStatus.RUNNING)
def bulletin_schedule(context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource):
    """Every morning of January and July: the bulletin of the half-year just closed, once its last
    month's data is in the warehouse (the run key lets it run once per half-year)."""
    tick: datetime = context.scheduled_execution_time
    period = HalfYear.containing(tick.date()).previous
    with warehouse.connect() as conn:
        try:
            require_complete(conn, period)
        except ValueError as waiting:
            return dg.SkipReason(str(waiting))
    return dg.RunRequest(run_key=f"bulletin-{period}", partition_key=str(period))

