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
from orchestration.resources import LandingResource, WarehouseResource

load_and_build = dg.define_asset_job(
    "load_and_build",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(BULLETIN),
    description="Load the landing directory into raw, check it (Great Expectations), build and test "
                "every dbt model, then record and deliver the alerts.",
)

defs = dg.Definitions(
    assets=[*raw_assets, dbt_models, alert_notifications, half_year_bulletin],
    asset_checks=quality_checks,
    jobs=[load_and_build, bulletin_job],
    schedules=[monthly_schedule, bulletin_schedule],
    sensors=[landing_sensor],
    resources={
        "warehouse": WarehouseResource(),
        "landing": LandingResource(path=dg.EnvVar("YIBAO_LANDING")),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    },
)
