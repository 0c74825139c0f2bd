"""The Dagster code location `orchestration`: what `dagster dev` and `yibao run` both load."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.dbt_project import DBT_EXECUTABLE, dbt_project
from orchestration.defs.dbt_assets import dbt_models
from orchestration.defs.landing_sensor import landing_sensor
from orchestration.defs.quality_checks import GreatExpectationsResource, quality_checks
from orchestration.defs.raw_assets import raw_assets
from orchestration.resources import LandingResource, WarehouseResource

load_and_build = dg.define_asset_job(
    "load_and_build",
    selection=dg.AssetSelection.all(),
    description="Load the landing directory into raw, check it (Great Expectations), then build and test "
                "every dbt model.",
)



def fixed(resource: dg.ConfigurableResource) -> dg.ResourceDefinition:
    """`resource` as it is, whatever a run's config says: the Dagster UI's Launchpad can
    otherwise override a resource's fields when it launches a run (the warehouse it writes to,
    the dbt executable it starts, the directory it loads)."""
    return dg.ResourceDefinition.hardcoded_resource(resource)


defs = dg.Definitions(
    assets=[*raw_assets, dbt_models],
    asset_checks=quality_checks,
    jobs=[load_and_build],
    sensors=[landing_sensor],
    resources={
        "warehouse": fixed(WarehouseResource()),
        "landing": fixed(LandingResource()),
        "dbt": fixed(DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)),
        "great_expectations": GreatExpectationsResource(),  # nothing to configure
    },
)
