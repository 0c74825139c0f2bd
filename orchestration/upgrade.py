"""`yibao upgrade`: after installing a new version, bring the stores to it and say what was done:
Dagster's instance and Superset's metadata store migrated, the incremental models whose
contract's columns changed rebuilt from scratch (dbt cannot add or drop their columns in place)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from orchestration.run_lock import exclusive_run
from orchestration.warehouse import connect, export_dbt_env


def upgrade() -> list[str]:
    from dashboards.metadata import prepare_metadata
    from dashboards.settings import admin_password
    from orchestration.pipeline import write_dagster_instance

    done = []
    write_dagster_instance()
    subprocess.run([str(Path(sys.executable).with_name("dagster")), "instance", "migrate"], check=True,
                   capture_output=True, text=True)
    done.append("Dagster: instance storage migrated")
    prepare_metadata(admin_password(), again=True)
    done.append("Superset: metadata store upgraded (superset db upgrade, superset init)")
    with exclusive_run():
        changed = changed_incremental_models()
        if changed:
            rebuild(changed)
    done.append("dbt: " + (f"rebuilt from scratch, columns changed: {', '.join(changed)}" if changed
                           else "no incremental model's columns changed"))
    return done


def changed_incremental_models() -> list[str]:
    """The incremental models under a contract whose table's columns differ from the contract's.
    The others' YAML documents some of their columns, not necessarily all: after a change of
    theirs, `yibao run --full-refresh` (the release notes say so)."""
    from orchestration.dbt_project import ensure_manifest

    nodes = json.loads(ensure_manifest().read_text())["nodes"].values()
    models = [n for n in nodes if n["resource_type"] == "model" and n["config"]["materialized"] == "incremental"
              and n["config"]["contract"]["enforced"]]
    changed = []
    with connect() as conn:
        for model in models:
            existing = {name for (name,) in conn.execute(
                "select column_name from information_schema.columns where table_schema = %s and table_name = %s",
                [model["schema"], model["alias"]]).fetchall()}
            if existing and existing != set(model["columns"]):
                changed.append(model["name"])
    return sorted(changed)


def rebuild(models: list[str]) -> None:
    """`dbt build --full-refresh` of `models` and of what is built on them."""
    from orchestration.dbt_project import BUILD_ARGS, run_dbt

    export_dbt_env()
    done = run_dbt(*BUILD_ARGS, "--full-refresh", "--select", *(f"{name}+" for name in models),
                   capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"dbt build --full-refresh failed:\n{done.stdout[-3000:]}")
