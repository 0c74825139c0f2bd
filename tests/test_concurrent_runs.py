"""One run at a time: a second `yibao run` on the same warehouse waits, saying so, until the first
has ended; the warehouse is then as after one run (no month taken for one already loaded, no
fund flows loaded twice)."""

from __future__ import annotations

import csv
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from orchestration.generator import generate


def loads_started(url: str) -> bool:
    with psycopg.connect(url) as conn:
        if conn.execute("select to_regclass('audit.file_loads')").fetchone()[0] is None:
            return False
        return conn.execute("select count(*) from audit.file_loads").fetchone()[0] > 0


def fund_flows_in(landing: Path) -> Decimal:
    return sum(Decimal(row["amount"]) for path in (landing / "fund_flows").glob("*.csv")
               for row in csv.DictReader(path.open(encoding="utf-8-sig", newline="")))


def test_a_second_run_waits_for_the_first(warehouse_url, yibao, tmp_path):
    landing = tmp_path / "landing"
    generate(landing, seed=3, start="2025-01", months=3, persons=500)
    command = ["run", "--landing", str(landing)]

    first = yibao.start(*command)
    deadline = time.monotonic() + 300
    while not loads_started(warehouse_url):
        assert first.poll() is None and time.monotonic() < deadline, "the first run did not start loading"
        time.sleep(0.2)
    second = yibao.start(*command)
    first_out, first_err = first.communicate(timeout=900)
    second_out, second_err = second.communicate(timeout=900)

    assert first.returncode == 0, first_out + first_err
    assert second.returncode == 0, second_out + second_err
    assert "another run is using this warehouse (yibao run (pid " in second_err
    assert "waiting for it to end" in second_err
    assert "(no new or changed files)" in second_out
    with psycopg.connect(warehouse_url) as conn:
        assert conn.execute("select file from audit.file_loads group by file having count(*) > 1").fetchall() == []
        assert conn.execute("select count(*) from audit.file_loads where status <> 'loaded'").fetchone()[0] == 0
        assert conn.execute("select sum(amount) from raw.fund_flows").fetchone()[0] == fund_flows_in(landing)


@pytest.mark.pipeline  # the job, in process
def test_a_run_of_the_job_itself_waits_for_the_run_lock(warehouse_url, tmp_path, monkeypatch):
    """The daemon's runs (the landing sensor's, the monthly schedule's) execute the job without
    `yibao run`: its steps take the lock themselves, so the job loads nothing while another
    run holds it, and everything once it is released."""
    from orchestration.pipeline import prepare_dagster
    from orchestration.run_lock import RUN_LOCK

    landing = tmp_path / "landing"
    generate(landing, seed=3, start="2025-01", months=1, persons=300)
    monkeypatch.setenv("YIBAO_LANDING", str(landing))
    prepare_dagster()
    from orchestration.definitions import defs

    job = defs.resolve_job_def("load_and_build")
    selection = [dg.AssetKey(["raw", "institutions"])]
    with psycopg.connect(warehouse_url, autocommit=True) as other_run:
        other_run.execute("select pg_advisory_lock(hashtext(%s))", [RUN_LOCK])
        with ThreadPoolExecutor(1) as pool:
            launched = pool.submit(job.execute_in_process, instance=dg.DagsterInstance.ephemeral(),
                                   asset_selection=selection, raise_on_error=False)
            time.sleep(5)
            assert not launched.done()
            assert not loads_started(warehouse_url)
            other_run.execute("select pg_advisory_unlock(hashtext(%s))", [RUN_LOCK])
            assert launched.result(timeout=300).success
    assert loads_started(warehouse_url)
