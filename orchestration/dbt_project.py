"""The dbt project as Dagster sees it. Kept apart from the assets: importing this builds nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.pseudonym import dbt_environment
from orchestration.warehouse import export_dbt_env

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

# The virtualenv's dbt, so that neither Dagster nor the CLI depends on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

# What a pipeline run builds and tests. The unit tests check the models' SQL on fixed inputs,
# not the data: as dbt advises, they run in the test suite (tests/test_dbt_unit_tests.py)
# rather than in every build of the warehouse, where they would add to every incremental build.
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]


def run_dbt(*args: str, env: dict[str, str] | None = None, **run_options) -> subprocess.CompletedProcess:
    """The virtualenv's dbt with `args`, on this project and its profile (`subprocess.run`
    options as given); the connection comes from the environment (`env`, else this process's:
    warehouse.export_dbt_env), to which the pseudonym key's padded keys are added."""
    return subprocess.run([DBT_EXECUTABLE, *args, "--profiles-dir", str(DBT_PROJECT_DIR)],
                          cwd=DBT_PROJECT_DIR, env={**(env or os.environ), **dbt_environment()}, **run_options)


def remove_stale_artifacts() -> None:
    """Delete what earlier dbt invocations left in the project folder but the parsed manifest:
    the target folders of pipeline runs (now kept under YIBAO_HOME while they run), compiled SQL,
    run results and logs. Those written before the pseudonym key left the SQL hold the key."""
    target = DBT_PROJECT_DIR / "target"
    keep = {dbt_project.manifest_path.name, "partial_parse.msgpack"}
    stale = [DBT_PROJECT_DIR / "logs", *(p for p in target.glob("*") if p.name not in keep)]
    for path in stale:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def ensure_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than any project file.

    `@dbt_assets` reads the manifest at import time; `dagster dev` prepares it itself, the
    `yibao` command and the tests call this first.
    """
    manifest = dbt_project.manifest_path
    sources = [p for pattern in ("*.yml", "*.sql", "*.csv", "*.md") for p in DBT_PROJECT_DIR.rglob(pattern)
               if "target" not in p.parts]
    newest = max(p.stat().st_mtime for p in sources)
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        export_dbt_env()
        run_dbt("parse", "--quiet", check=True)
    return manifest
