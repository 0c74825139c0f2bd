"""Readers cannot stall the warehouse: the reader role's sessions have a statement timeout and an
idle-transaction timeout, so an analyst's long query holds up a run's rebuild of a mart for at
most that long."""

from __future__ import annotations

import threading
import time

import psycopg

from dashboards.reader import READER, reader_url
from orchestration.generator import generate

TIMEOUT = "90s"  # long enough for the second run's dbt to reach the mart while the query runs


def test_a_running_analyst_query_does_not_stop_a_run(warehouse_url, yibao, tmp_path, monkeypatch):
    monkeypatch.setenv("YIBAO_READER_STATEMENT_TIMEOUT", TIMEOUT)
    landing = tmp_path / "landing"
    generate(landing, seed=9, start="2025-01", months=2, persons=300)
    assert yibao("run", "--landing", str(landing)).returncode == 0
    with psycopg.connect(warehouse_url) as owner:
        settings = owner.execute("""select unnest(setconfig) from pg_db_role_setting
                                    where setrole = %s::regrole""", [READER]).fetchall()
    assert {"statement_timeout=90s", "idle_in_transaction_session_timeout=1min"} <= {s for (s,) in settings}

    analyst = psycopg.connect(reader_url(warehouse_url), autocommit=True)
    outcome: list[BaseException] = []

    def long_query():
        try:
            analyst.execute("select count(*) from marts.fund_balance_monthly, pg_sleep(600)")
        except psycopg.Error as error:
            outcome.append(error)

    query = threading.Thread(target=long_query)
    query.start()
    time.sleep(1)  # the query has its lock on the mart
    waited = threading.Event()

    def watch():
        with psycopg.connect(warehouse_url, autocommit=True) as watcher:
            while query.is_alive():
                if watcher.execute("""select count(*) from pg_locks l join pg_class c on c.oid = l.relation
                                      where not l.granted and c.relname = 'fund_balance_monthly'""").fetchone()[0]:
                    waited.set()
                time.sleep(0.5)

    watching = threading.Thread(target=watch)
    watching.start()
    started = time.monotonic()
    try:
        run = yibao("run", "--landing", str(landing), timeout=300)  # without a timeout the query would hold the run for 600 s
    finally:
        query.join(700)
        watching.join()
        analyst.close()
    assert run.returncode == 0, run.stdout + run.stderr
    assert time.monotonic() - started < 300
    assert waited.is_set(), "the run never waited for the analyst's query"
    assert len(outcome) == 1 and isinstance(outcome[0], psycopg.errors.QueryCanceled)
    assert "statement timeout" in str(outcome[0])

