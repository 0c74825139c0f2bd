"""The Dagster code location: loadable, keyed as documented, and its landing sensor."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.resources import LandingResource, WarehouseResource
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


def evaluate_sensor(defs, landing: Path, cursor: str | None = None):
    """One evaluation of the landing sensor; returns its result and its new cursor."""
    sensor = defs.resolve_sensor_def("landing_sensor")
    resources = {"landing": LandingResource(path=str(landing)), "warehouse": WarehouseResource()}
    with dg.build_sensor_context(resources=resources, cursor=cursor, definitions=defs) as context:
        return sensor(context), context.cursor


def test_landing_sensor_requests_a_run_of_just_the_new_or_changed_files(defs, db, tmp_path):
    from orchestration.loading import discover, load_file
    from orchestration.sources import SOURCES

    write_reference(tmp_path)
    write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [settlement("S1")])
    write_csv(tmp_path / "settlement" / "2024-03.csv", "settlement", [settlement("S2", settlement_date="2024-03-01")])

    # Nothing loaded yet: every file is new, references included: the whole job over all months.
    request, cursor = evaluate_sensor(defs, tmp_path)
    assert isinstance(request, dg.RunRequest) and request.asset_selection is None
    assert (request.tags["dagster/asset_partition_range_start"], request.tags["dagster/asset_partition_range_end"]) \
        == ("2024-01", "2024-03")

    found = discover(tmp_path)
    for source, path in [*found.reference.items(), *(("settlement", p) for p in found.monthly["settlement"].values())]:
        load_file(db, SOURCES[source], path, found.root, path.stem if source == "settlement" else None)
    skipped, cursor = evaluate_sensor(defs, tmp_path, cursor)
    assert isinstance(skipped, dg.SkipReason)

    # Touched but unchanged: no run. Changed: just its source and month, then what depends on it.
    (tmp_path / "settlement" / "2024-01.csv").touch()
    assert isinstance(evaluate_sensor(defs, tmp_path, cursor)[0], dg.SkipReason)
    write_csv(tmp_path / "settlement" / "2024-03.csv", "settlement", [settlement("S2", settlement_date="2024-03-02")])
    request, _ = evaluate_sensor(defs, tmp_path, cursor)
    assert (request.tags["dagster/asset_partition_range_start"], request.tags["dagster/asset_partition_range_end"]) \
        == ("2024-03", "2024-03")
    selected = {key.to_user_string() for key in request.asset_selection}
    assert "raw/settlement" in selected and "marts/fct_settlements" in selected and "audit/notifications" in selected
    assert not {"raw/inspection", "raw/institutions", "bulletin/half_year_bulletin"} & selected
    again, _ = evaluate_sensor(defs, tmp_path, cursor)
    assert again.run_key == request.run_key  # Dagster launches one run per run key


def test_the_monthly_and_bulletin_schedules(defs, db, tmp_path):
    write_reference(tmp_path)
    write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [settlement("S1")])
    monthly = defs.resolve_schedule_def("monthly_schedule")
    with dg.build_schedule_context(resources={"landing": LandingResource(path=str(tmp_path))}) as context:
        (request,) = monthly.evaluate_tick(context).run_requests
    assert request.tags["dagster/asset_partition_range_start"] == "2024-01"
    assert monthly.cron_schedule == "0 6 5 * *"

    bulletin = defs.resolve_schedule_def("bulletin_schedule")
    assert bulletin.cron_schedule == "0 7 * 1,7 *"
    tick = datetime(2025, 1, 10, 7, tzinfo=ZoneInfo("Asia/Shanghai"))
    with dg.build_schedule_context(resources={"warehouse": WarehouseResource()},
                                   scheduled_execution_time=tick) as context:
        result = bulletin.evaluate_tick(context)
    assert "the warehouse has no data yet" in result.skip_message
