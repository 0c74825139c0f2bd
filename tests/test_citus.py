"""The warehouse on Citus: the local cluster itself, and the facts docs/citus.md builds on."""

from __future__ import annotations

import hashlib

import psycopg
import pytest

from tests.conftest import database_name

pytestmark = pytest.mark.citus


def test_a_distributed_table_spreads_over_both_workers_and_answers_as_one(citus_cluster, citus_warehouse_url):
    with psycopg.connect(citus_warehouse_url, autocommit=True) as conn:
        conn.execute("create table payments (person_id text, amount numeric)")
        conn.execute("select create_distributed_table('payments', 'person_id')")
        conn.execute("insert into payments select 'P' || g, g from generate_series(1, 1000) as g")
        total = conn.execute("select count(*), sum(amount) from payments").fetchone()
        shards = conn.execute("""select shard_name, nodeport from citus_shards
                                 where table_name = 'payments'::regclass""").fetchall()

    assert total == (1000, sum(range(1, 1001)))
    # The shards' rows read on each worker directly: every row once, on both workers.
    rows_per_port = {worker.port: 0 for worker in citus_cluster.workers}
    for worker in citus_cluster.workers:
        with psycopg.connect(citus_cluster.url(database_name(citus_warehouse_url), worker)) as conn:
            for shard, port in shards:
                if port == worker.port:
                    rows_per_port[port] += conn.execute(f"select count(*) from {shard}").fetchone()[0]
    assert sum(rows_per_port.values()) == 1000
    assert all(rows > 0 for rows in rows_per_port.values()), rows_per_port


def test_a_custom_setting_reaches_the_shards_only_through_a_scalar_subquery(citus_warehouse_url):
    """Citus does not pass a session's custom settings to the workers: a bare current_setting()
    runs on each shard and finds nothing there, while an uncorrelated scalar subquery is
    evaluated once on the coordinator and shipped to the shards (how the pseudonym key must
    be read, docs/citus.md)."""
    key = "k3y"
    with psycopg.connect(citus_warehouse_url, autocommit=True) as conn:
        conn.execute("create table persons (person_id text)")
        conn.execute("select create_distributed_table('persons', 'person_id')")
        conn.execute("insert into persons values ('P1'), ('P2'), ('P3')")
        conn.execute("select set_config('yibao.pseudonym_key', %s, false)", [key])
        bare = conn.execute("""select person_id, current_setting('yibao.pseudonym_key', true)
                               from persons order by 1""").fetchall()
        subquery = conn.execute("""
            select person_id,
                   encode(sha256(convert_to((select current_setting('yibao.pseudonym_key')) || person_id, 'UTF8')), 'hex')
            from persons order by 1""").fetchall()

    assert bare == [("P1", None), ("P2", None), ("P3", None)]
    assert subquery == [(p, hashlib.sha256(f"{key}{p}".encode()).hexdigest()) for p in ("P1", "P2", "P3")]
