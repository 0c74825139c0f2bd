"""The landing sensor under a real Dagster daemon, started as `yibao serve` starts it: a changed
landing file is loaded, and the marts rebuilt, without anyone starting a run."""

from __future__ import annotations

import csv
import shutil
import time
from decimal import Decimal

import psycopg
import pytest

from tests.conftest import ROOT
from tests.landing_files import write_csv

APRIL = "settlement/2025-04.csv"
WAIT_SECONDS = 900


def employee_expenditure(conn, month: str) -> Decimal:
    return conn.execute("""select expenditure from marts.fund_balance_monthly
                           where fund_code = 'employee_pooled' and month = %s""", [month]).fetchone()[0]


def test_a_changed_file_is_loaded_by_the_daemon_without_a_manual_run(marts_warehouse, cloned_warehouse, tmp_path,
                                                                      monkeypatch):
    """On copies of the session's warehouse of tests/marts_landing.py and of its landing."""
    import dagster as dg

    from dashboards.server import stop
    from orchestration.serving import start_dagster

    url = cloned_warehouse(marts_warehouse[0])  # WAREHOUSE_URL, the daemon's warehouse, points at it
    root = tmp_path / "landing"
    shutil.copytree(marts_warehouse[1], root)
    with psycopg.connect(url) as conn:
        before_expenditure = employee_expenditure(conn, "2025-04-01")
        last_load = conn.execute("select max(load_id) from audit.file_loads").fetchone()[0]

    april = root / APRIL
    rows = list(csv.DictReader(april.open(encoding="utf-8")))
    extra = {**rows[0], "settlement_id": "AUTOMATION1", "total_cost": "1500.00", "eligible_cost": "1500.00",
             "drug_cost": "1500.00", "exam_cost": "0", "treatment_cost": "0", "material_cost": "0",
             "other_cost": "0", "pooled_fund_paid": "1000.00", "critical_illness_paid": "0",
             "assistance_paid": "0", "account_paid": "0", "cash_paid": "500.00", "scheme": "employee",
             "visit_type": "outpatient_general", "admission_date": "", "discharge_date": "", "reversal_of": ""}
    write_csv(april, "settlement", rows + [extra])

    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").touch()
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    monkeypatch.setenv("YIBAO_LANDING", str(root))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the daemon's code location: this checkout
    daemon = start_dagster("dagster-daemon", "run")
    try:
        with dg.DagsterInstance.get() as instance:
            run = _sensor_run(instance)
    finally:
        stop(daemon)
    assert run.status == dg.DagsterRunStatus.SUCCESS, f"the sensor's run {run.run_id} ended {run.status}"

    with psycopg.connect(url) as conn:
        loads = conn.execute("select file, status from audit.file_loads where load_id > %s", [last_load]).fetchall()
        after_expenditure = employee_expenditure(conn, "2025-04-01")
    assert loads == [(APRIL, "loaded")]  # just the changed file
    assert after_expenditure - before_expenditure == Decimal("1000.00")
    assert run.tags["dagster/asset_partition_range_start"] == "2025-04"


def _sensor_run(instance):
    """The run the landing sensor launches, once it has finished."""
    import dagster as dg

    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        runs = instance.get_runs(dg.RunsFilter(tags={"dagster/sensor_name": "landing_sensor"}))
        if runs and runs[0].is_finished:
            return runs[0]
        time.sleep(3)
    pytest.fail(f"no finished run of the landing sensor within {WAIT_SECONDS} s")
