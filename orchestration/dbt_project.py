"""The dbt project as Dagster sees it. Kept apart from the assets: importing this builds nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.warehouse import export_dbt_env

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

# The virtualenv's dbt, so that neither Dagster nor the CLI depends on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

# What a pipeline run builds and tests. The unit tests check the models' SQL on fixed inputs,
# not the data: as dbt advises, they run in the test suite (tests/test_dbt_unit_tests.py)
# rather than in every build of the warehouse, where they cost 3-5 s of a 25-40 s incremental
# build at 10M settlements.
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]


def run_dbt(*args: str, **run_options) -> subprocess.CompletedProcess:
    """The virtualenv's dbt with `args`, on this project and its profile (`subprocess.run`
    options as given); the connection comes from the environment (warehouse.export_dbt_env)."""
    return subprocess.run([DBT_EXECUTABLE, *args, "--profiles-dir", str(DBT_PROJECT_DIR)],
                          cwd=DBT_PROJECT_DIR, **run_options)


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
