"""The dbt models as Dagster assets; dbt tests appear as asset checks."""

import shutil
from typing import Any, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.dbt_project import BUILD_ARGS, dbt_project, remove_stale_artifacts
from orchestration.pseudonym import KeyChanged, check_key, in_environment, record_key
from orchestration.resources import RunLockResource, WarehouseResource
from orchestration.roles import ensure_reader_roles
from orchestration.warehouse import export_dbt_env, private_dir, yibao_home


class YibaoTranslator(DagsterDbtTranslator):
    """Asset keys `<schema>/<model>` and groups by dbt layer (staging, intermediate, marts)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props["schema"] if dbt_resource_props["resource_type"] != "source" else None


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False
    """Rebuild the incremental models from scratch (`dbt build --full-refresh`): needed after a
    change of their columns, otherwise a run rebuilds only new or re-delivered months."""


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=YibaoTranslator())
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource,
               run_lock: RunLockResource, config: DbtBuildConfig):
    """Build and test the staging, intermediate and mart models (`dbt build`, unit tests aside).

    First the reader roles exist (the marts' post-hooks grant them what they may read) and the
    pseudonym key is the one the warehouse was built with. dbt gets the key's padded keys in its
    environment and writes its artifacts to a private folder under YIBAO_HOME, removed after the
    build (the run's log keeps dbt's output)."""
    with warehouse.connect() as conn:
        ensure_reader_roles(conn)
        try:
            check_key(conn, full_refresh=config.full_refresh)
        except KeyChanged as changed:
            raise dg.Failure(description=str(changed)) from None
    export_dbt_env()
    remove_stale_artifacts()
    target = private_dir(yibao_home() / "dbt" / context.run_id)
    try:
        with in_environment():
            build = dbt.cli([*BUILD_ARGS, *(["--full-refresh"] if config.full_refresh else [])], context=context,
                            target_path=target)
        yield from build.stream()
    finally:
        shutil.rmtree(target, ignore_errors=True)
    with warehouse.connect() as conn:
        record_key(conn)
