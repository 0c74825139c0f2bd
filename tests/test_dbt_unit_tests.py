"""The dbt unit tests (`dbt_project/models/**/_*__unit_tests.yml`): the models' SQL on fixed inputs.

A pipeline run leaves them out (orchestration.dbt_project.BUILD_ARGS); they run here, the way
dbt's documentation advises for CI: the models built empty (`dbt run --empty`, which gives the
unit tests the column types of their inputs), then `dbt test --select test_type:unit`.
"""

from __future__ import annotations

import json
import os
from unittest.mock import patch

from orchestration.dbt_project import run_dbt
from orchestration.warehouse import export_dbt_env

UNIT_TEST_KEY = "unit-test-pseudonym-key"


def test_every_dbt_unit_test_passes(db, warehouse_url, tmp_path):
    with patch.dict(os.environ, {"YIBAO_PSEUDONYM_KEY": UNIT_TEST_KEY}):  # the key of the expected person_key
        export_dbt_env(warehouse_url)
        built = run_dbt("run", "--empty", "--target-path", str(tmp_path), capture_output=True, text=True)
        assert built.returncode == 0, built.stdout
        tested = run_dbt("test", "--select", "test_type:unit", "--target-path", str(tmp_path),
                         capture_output=True, text=True)

    manifest = json.loads((tmp_path / "manifest.json").read_text())
    results = [r for r in json.loads((tmp_path / "run_results.json").read_text())["results"]
               if r["unique_id"].startswith("unit_test.")]  # not the on-run-start hook
    assert tested.returncode == 0, tested.stdout
    assert {r["unique_id"] for r in results} == set(manifest["unit_tests"])
    assert {r["status"] for r in results} == {"pass"}
    assert len(manifest["unit_tests"]) >= 12
