"""The Dagster code location: loadable, keyed as documented, and its landing sensor."""

from __future__ import annotations

import dagster as dg
import pytest

from orchestration.resources import LandingResource
from tests.landing_files import settlement, write_csv, write_reference


@pytest.fixture(scope="module")
def defs(isolated_home):
    from orchestration.pipeline import prepare_dagster

    prepare_dagster()  # parses the dbt project: @dbt_assets reads its manifest on import
    from orchestration.definitions import defs

    return defs


def test_definitions_load(defs):
    dg.Definitions.validate_loadable(defs)


def test_raw_assets_feed_the_dbt_models(defs):
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"raw/settlement", "raw/institutions", "marts/fct_settlements",
            "marts/fund_payable_months", "marts/institution_ranking_half_year"} <= keys
    upstream = {k.to_user_string() for k in graph.get(dg.AssetKey(["staging", "stg_bureau__settlements"])).parent_keys}
    assert upstream == {"raw/settlement"}
    assert graph.get(dg.AssetKey(["raw", "settlement"])).partitions_def is not None


def test_a_launch_cannot_reconfigure_the_resources(defs):
    """The Launchpad offers a run's config for each configurable resource: none for the
    warehouse (where the run writes), the landing directory (what it loads) or dbt (which
    program it starts)."""
    resources = defs.resolve_job_def("load_and_build").run_config_schema.config_type.fields["resources"]
    for key in ("warehouse", "landing", "dbt"):
        config = resources.config_type.fields[key].config_type.fields["config"].config_type
        assert not getattr(config, "fields", None), f"{key}: {sorted(config.fields)}"


def test_landing_sensor_requests_a_run_only_when_files_change(defs, tmp_path):
    write_reference(tmp_path)
    write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [settlement("S1")])
    write_csv(tmp_path / "settlement" / "2024-03.csv", "settlement", [settlement("S2", settlement_date="2024-03-01")])
    sensor = defs.resolve_sensor_def("landing_sensor")
    resources = {"landing": LandingResource(path=str(tmp_path))}

    with dg.build_sensor_context(resources=resources) as context:
        request = sensor(context)
    assert isinstance(request, dg.RunRequest)
    assert request.tags["dagster/asset_partition_range_start"] == "2024-01"
    assert request.tags["dagster/asset_partition_range_end"] == "2024-03"

    with dg.build_sensor_context(resources=resources, cursor=request.run_key) as context:
        assert isinstance(sensor(context), dg.SkipReason)
