"""A sensor that runs `load_and_build` when files in the landing directory appear or change."""

import hashlib

import dagster as dg

from orchestration.resources import LandingResource


def landing_fingerprint(landing: LandingResource) -> tuple[str, list[str]]:
    """A digest of every landing file's name, size and modification time, and the months."""
    found = landing.discover()
    paths = sorted(found.reference.values()) + sorted(p for files in found.monthly.values() for p in files.values())
    digest = hashlib.sha256()
    for path in paths:
        stat = path.stat()
        digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest(), found.months


@dg.sensor(job_name="load_and_build", minimum_interval_seconds=60,
           default_status=dg.DefaultSensorStatus.STOPPED)
def landing_sensor(context: dg.SensorEvaluationContext, landing: LandingResource):
    """Request a run over all landed months when the directory changed; the loader skips
    files whose content has not changed, so a run costs little beyond the changed files."""
    fingerprint, months = landing_fingerprint(landing)
    if fingerprint == context.cursor or not months:
        return dg.SkipReason("no new or changed landing files")
    context.update_cursor(fingerprint)
    return dg.RunRequest(
        run_key=fingerprint,
        tags={"dagster/asset_partition_range_start": months[0],
              "dagster/asset_partition_range_end": months[-1]},
    )
