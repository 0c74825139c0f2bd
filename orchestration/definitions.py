"""The Dagster code location `orchestration`: what `dagster dev` and `yibao run` both load."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.dbt_project import DBT_EXECUTABLE, dbt_project
from orchestration.defs.alerts import alert_notifications
from orchestration.defs.automation import bulletin_schedule, landing_sensor, monthly_schedule
from orchestration.defs.bulletin import BULLETIN, bulletin_job, half_year_bulletin
from orchestration.defs.dbt_assets import dbt_models
from orchestration.defs.quality_checks import quality_checks
from orchestration.defs.raw_assets import raw_assets
from orchestration.progress import progress_logger
from orchestration.resources import LandingResource, RunLockResource, WarehouseResource

load_and_build = dg.define_asset_job(
    "load_and_build",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(BULLETIN),
    executor_def=dg.in_process_executor,  # one process holds the run lock for the whole run
    description="Load the landing directory into raw, check it (Great Expectations), build and test "
                "every dbt model, then record and deliver the alerts.",
)


def fixed(resource: dg.ConfigurableResource) -> dg.ResourceDefinition:
    """`resource` as it is, whatever a run's config says: the Dagster UI's Launchpad can
    otherwise override a resource's fields when it launches a run (the warehouse it writes to,
    the dbt executable it starts, the directory it loads)."""
    return dg.ResourceDefinition.hardcoded_resource(resource)


defs = dg.Definitions(
    assets=[*raw_assets, dbt_models, alert_notifications, half_year_bulletin],
    asset_checks=quality_checks,
    jobs=[load_and_build, bulletin_job],
    schedules=[monthly_schedule, bulletin_schedule],
    sensors=[landing_sensor],
    loggers={"console": dg.colored_console_logger, "progress": progress_logger},  # progress: `yibao run` on a terminal
    resources={
        "warehouse": fixed(WarehouseResource()),
        "run_lock": RunLockResource(),  # nothing to configure; fixed() would skip its lifecycle
        "landing": fixed(LandingResource()),
        "dbt": fixed(DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)),
    },
)
