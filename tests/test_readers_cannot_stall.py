"""Readers cannot stall the warehouse: the reader role's sessions have a statement timeout and an
idle-transaction timeout, so an analyst's long query holds up a run's rebuild of a mart for at
most that long."""

from __future__ import annotations

import threading
import time

import psycopg

from dashboards.reader import READER, reader_url
from orchestration.generator import generate

TIMEOUT_SECONDS = 10
SLEEP_SECONDS = 600  # the analyst's query, were it not ended: longer than the run is given


def test_a_running_analyst_query_does_not_stop_a_run(warehouse_url, yibao, tmp_path, monkeypatch):
    """An analyst keeps a long query on a mart running (a new one whenever the timeout ended the
    last) until the run waits for its lock: that query is ended by the timeout and the run
    finishes."""
    monkeypatch.setenv("YIBAO_READER_STATEMENT_TIMEOUT", f"{TIMEOUT_SECONDS}s")
    landing = tmp_path / "landing"
    generate(landing, seed=9, start="2025-01", months=2, persons=300)
    assert yibao("run", "--landing", str(landing)).returncode == 0
    with psycopg.connect(warehouse_url) as owner:
        settings = owner.execute("""select unnest(setconfig) from pg_db_role_setting
                                    where setrole = %s::regrole""", [READER]).fetchall()
    assert {f"statement_timeout={TIMEOUT_SECONDS}s", "idle_in_transaction_session_timeout=1min"} <= {s for (s,) in settings}

    waited = threading.Event()  # the run waited for the lock of an analyst's query
    ended: list[BaseException] = []  # how each of the analyst's queries ended
    analyst = threading.Thread(target=_long_queries, args=(reader_url(warehouse_url), waited, ended))
    analyst.start()
    time.sleep(1)  # the first query has its lock on the mart
    watcher = threading.Thread(target=_watch_for_waits, args=(warehouse_url, analyst, waited))
    watcher.start()
    started = time.monotonic()
    try:  # a timeout short of the analyst's sleep: without the statement timeout the run never finishes
        run = yibao("run", "--landing", str(landing), timeout=SLEEP_SECONDS / 2)
    finally:
        analyst.join(SLEEP_SECONDS + 100)
        watcher.join()
    assert run.returncode == 0, run.stdout + run.stderr
    assert waited.is_set(), "the run never waited for the analyst's query"
    assert ended and all(isinstance(error, psycopg.errors.QueryCanceled) and "statement timeout" in str(error)
                         for error in ended), ended
    assert time.monotonic() - started < SLEEP_SECONDS / 2


def _long_queries(url: str, waited: threading.Event, ended: list[BaseException]) -> None:
    """Long queries on fund_balance_monthly as the reader, one after another until `waited`."""
    with psycopg.connect(url, autocommit=True) as analyst:
        while not waited.is_set():
            try:
                analyst.execute(f"select count(*) from marts.fund_balance_monthly, pg_sleep({SLEEP_SECONDS})")
            except psycopg.Error as error:
                ended.append(error)


def _watch_for_waits(url: str, analyst: threading.Thread, waited: threading.Event) -> None:
    """Set `waited` once a session waits for a lock on fund_balance_monthly."""
    with psycopg.connect(url, autocommit=True) as watcher:
        while analyst.is_alive():
            if watcher.execute("""select count(*) from pg_locks l join pg_class c on c.oid = l.relation
                                  where not l.granted and c.relname = 'fund_balance_monthly'""").fetchone()[0]:
                waited.set()
            time.sleep(0.5)
