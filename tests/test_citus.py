"""The warehouse on Citus: the local cluster itself, and the facts docs/citus.md builds on."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path
from unittest.mock import patch

import psycopg
import pytest

from orchestration.dbt_project import BUILD_ARGS, run_dbt
from orchestration.raw_schema import ensure_schemas
from orchestration.sources import ALL_SOURCES
from orchestration.warehouse import export_dbt_env
from tests.conftest import database_name

YIBAO = str(Path(sys.executable).with_name("yibao"))

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


# The distribution docs/citus.md chooses: the raw tables' (the loader's, to do) and the models'
# (dbt_project.yml's meta.citus_distribution), for the tables the tests can check already.
RAW_DISTRIBUTION = {f"raw.{source.name}": {"settlement": "settlement_id", "enrollment": "person_id"}.get(
    source.name, "reference") for source in ALL_SOURCES}
MODEL_DISTRIBUTION = {
    "intermediate.int_settlements_screened": "settlement_id",
    "intermediate.int_settlement_reversals": "reversal_of",
    "intermediate.int_stays_effective": "person_key",
    "intermediate.int_enrollment_spells": "person_key",
    "marts.fct_settlements": "settlement_id",
    "marts.dim_institutions": "reference",
}


@pytest.fixture(scope="module")
def landing(demo_landing) -> Path:
    return demo_landing


@pytest.fixture(scope="module")
def single_server(demo_warehouse) -> psycopg.Connection:
    """The landing directory loaded and built on the embedded server (the session's demo
    warehouse), for comparison."""
    with psycopg.connect(demo_warehouse[0], autocommit=True) as conn:
        yield conn


def distribution(conn: psycopg.Connection, tables: dict[str, str]) -> dict[str, str | None]:
    """How each of `tables` is distributed: its distribution column, `reference`, or None."""
    found = dict(conn.execute("""
        select logicalrelid::regclass::text,
               case when partmethod = 'n' then 'reference' else column_to_column_name(logicalrelid, partkey) end
        from pg_dist_partition""").fetchall())
    return {table: found.get(table) for table in tables}


def mart_rows(conn: psycopg.Connection) -> dict[str, list[tuple]]:
    """Every mart's rows, sorted."""
    marts = [t for (t,) in conn.execute("select tablename from pg_tables where schemaname = 'marts'")]
    return {mart: sorted(conn.execute(f"select * from marts.{mart}").fetchall(), key=repr) for mart in marts}


def test_dbt_on_the_citus_target_distributes_the_models_and_builds_the_marts_of_a_single_server(
        citus_cluster, single_server):
    """The dbt part, until the loader runs on Citus: the raw rows the loader put into the embedded
    server are copied into raw tables distributed as docs/citus.md says (the loader's job, to
    come), and a build on the `citus` target distributes the models as dbt_project.yml says and
    gives every mart the embedded server's rows."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    url = citus_cluster.create_database(name)
    try:
        with psycopg.connect(url, autocommit=True) as citus:
            ensure_schemas(citus)
            for table, column in RAW_DISTRIBUTION.items():
                if column == "reference":
                    citus.execute("select create_reference_table(%s)", [table])
                else:
                    citus.execute("select create_distributed_table(%s, %s)", [table, column])
                with single_server.cursor().copy(f"copy {table} to stdout") as rows, \
                        citus.cursor().copy(f"copy {table} from stdin") as into:
                    for block in rows:
                        into.write(block)
        with patch.dict(os.environ):
            env = export_dbt_env(url)
            result = run_dbt(*BUILD_ARGS, env={**os.environ, **env, "YIBAO_DBT_TARGET": "citus"},
                             capture_output=True, text=True)
        assert result.returncode == 0, result.stdout[-5000:]
        with psycopg.connect(url) as citus:
            assert distribution(citus, MODEL_DISTRIBUTION) == MODEL_DISTRIBUTION
            assert mart_rows(citus) == mart_rows(single_server)
    finally:
        citus_cluster.drop_database(name)


@pytest.mark.xfail(strict=True, reason=(
    "the loader does not run on PostgreSQL 15 yet (pg_input_is_valid), does not distribute the raw tables, "
    "and its reversal checks join a local table to a distributed one (docs/citus.md, breaks L1-L4)"))
def test_yibao_run_on_citus_builds_the_marts_of_a_single_server(citus_cluster, single_server, landing):
    name = f"test_{uuid.uuid4().hex[:12]}"
    url = citus_cluster.create_database(name)
    try:
        result = subprocess.run([YIBAO, "run", "--landing", str(landing)], capture_output=True, text=True,
                                timeout=900, env={**os.environ, "WAREHOUSE_URL": url, "YIBAO_DBT_TARGET": "citus"})
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        with psycopg.connect(url) as citus:
            expected = {**RAW_DISTRIBUTION, **MODEL_DISTRIBUTION}
            assert distribution(citus, expected) == expected
            assert mart_rows(citus) == mart_rows(single_server)
    finally:
        citus_cluster.drop_database(name)
