"""The warehouse on Citus: the local cluster itself, the facts docs/citus.md builds on, the loader's
rules that look into other rows, and `yibao run` on the cluster against the single server."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
import yaml
from psycopg.conninfo import make_conninfo

from dashboards.counties import database_role
from dashboards.reader import ensure_readers, reader_url
from dashboards.settings import ASSETS
from orchestration.raw_schema import ensure_schemas
from orchestration.rules import QUARANTINE
from orchestration.sources import ALL_SOURCES
from tests import test_loader, test_rule_catalogue
from tests.conftest import database_name
from tests.landing_files import write_csv

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


# The distribution docs/citus.md chooses: the raw tables' (sources.py) and the models'
# (dbt_project.yml's meta.citus_distribution), for the tables the tests check.
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


@pytest.fixture
def citus_db(citus_warehouse_url) -> psycopg.Connection:
    """An autocommit connection to a new database on the cluster, with the loader's schemas."""
    with psycopg.connect(citus_warehouse_url, autocommit=True) as conn:
        ensure_schemas(conn)
        yield conn


# The row rules that look up other rows of raw (another source's, or their own source's):
# the SQL that Citus runs differently from a single server. Each is checked on the cluster with
# the rule catalogue's example (tests/test_rule_catalogue.py).
LOOKUP_RULES = [case for case in test_rule_catalogue.ROW_CASES if "raw." in case[1].broken]


@pytest.mark.parametrize("case", LOOKUP_RULES, ids=test_rule_catalogue._ids)
def test_the_rules_that_look_rows_up_flag_their_example_on_citus(citus_db, tmp_path, case):
    if case[1].severity == QUARANTINE:
        test_rule_catalogue.test_each_quarantine_rule_quarantines_its_example(citus_db, tmp_path, case)
    else:
        test_rule_catalogue.test_each_warning_flags_its_example(citus_db, tmp_path, case)


# The loader's own paths across files on the distributed raw tables, as the loader's tests check
# them on a single server: quarantined lines as written and keys repeated in the file, a key
# loaded by another month, reversals of the month before, and case reviews checked again when
# their settlements' month is delivered again.
def test_quarantined_lines_and_keys_of_another_month_on_citus(citus_db, tmp_path):
    test_loader.test_field_count_and_duplicates_are_quarantined(citus_db, tmp_path)


def test_reversals_and_keys_across_months_on_citus(citus_db, citus_warehouse_url, tmp_path):
    test_loader.test_months_loaded_in_one_call_see_earlier_months_in_order(citus_db, citus_warehouse_url, tmp_path)


def test_case_reviews_are_checked_again_on_citus(citus_db, tmp_path):
    test_loader.test_case_reviews_are_checked_again_when_their_settlements_are_redelivered(citus_db, tmp_path)


@pytest.fixture(scope="module")
def landing(demo_landing) -> Path:
    return demo_landing


@pytest.fixture(scope="module")
def single_server(demo_warehouse) -> psycopg.Connection:
    """The landing directory loaded and built on the embedded server (the session's demo
    warehouse), for comparison."""
    with psycopg.connect(demo_warehouse[0], autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def citus_run(citus_cluster, landing, tmp_path_factory) -> str:
    """`yibao run` of the landing directory on a new database of the cluster, its URL: first with
    a spell more in an enrollment month, then as delivered, which re-delivers that month (every
    person's spells and attributed payments rebuilt incrementally)."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    url = citus_cluster.create_database(name)
    earlier = tmp_path_factory.mktemp("citus") / "landing"
    shutil.copytree(landing, earlier)
    _add_a_spell(sorted((earlier / "enrollment").glob("*.csv"))[1])
    for delivery in (earlier, landing):
        result = subprocess.run([YIBAO, "run", "--landing", str(delivery)], capture_output=True, text=True,
                                timeout=900, env={**os.environ, "WAREHOUSE_URL": url, "YIBAO_DBT_TARGET": "citus"})
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    yield url
    citus_cluster.drop_database(name)


def _add_a_spell(path: Path) -> None:
    """A second spell, in another category from the next day, of a person with an open spell in
    enrollment file `path`."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    spell = next(row for row in rows if not row["end_date"])
    start = date.fromisoformat(spell["start_date"]) + timedelta(days=1)
    category = "low_income" if spell["category"] != "low_income" else "ordinary"
    write_csv(path, "enrollment", [*rows, {**spell, "start_date": start.isoformat(), "category": category}],
              columns=list(rows[0]))


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


def check_outcomes(conn: psycopg.Connection) -> list[tuple]:
    """Whether every data-quality expectation passed on every file when last checked (a query
    Citus refuses makes its expectation fail, which for a warning does not stop the run)."""
    return conn.execute("""select distinct on (suite, file, expectation) suite, file, expectation, passed
                           from audit.quality_checks order by suite, file, expectation, check_id desc""").fetchall()


def test_yibao_run_on_citus_distributes_the_tables_and_builds_the_marts_of_a_single_server(citus_run, single_server):
    with psycopg.connect(citus_run) as citus:
        expected = {**RAW_DISTRIBUTION, **MODEL_DISTRIBUTION}
        assert distribution(citus, expected) == expected
        marts = mart_rows(citus)
        checks = check_outcomes(citus)
    assert len(marts) > 20 and all(marts.values())
    assert marts == mart_rows(single_server)
    assert checks == check_outcomes(single_server)


@pytest.fixture(params=["citus", "single server"])
def either_warehouse(request) -> str:
    """The URL of the landing's warehouse built on the cluster, then on the single server."""
    if request.param == "citus":
        return request.getfixturevalue("citus_run")
    return request.getfixturevalue("single_server").info.dsn


def test_a_county_role_reads_only_its_county_on_either_target(either_warehouse):
    """The county policies hold on the cluster, on the reference dimensions too (whose rows
    a query reads from a placement: a shard, with the policies Citus made for it)."""
    with psycopg.connect(either_warehouse, autocommit=True) as owner:
        counties = [code for (code,) in owner.execute("select county_code from marts.dim_counties order by 1")]
        ensure_readers(owner, counties[:1])
        scoped = [table for (table,) in owner.execute("""
            select c.relname from pg_class c join pg_attribute a on a.attrelid = c.oid
            where c.relnamespace = 'marts'::regnamespace and c.relkind = 'r' and a.attname = 'county_code'
              and has_column_privilege('yibao_county', c.oid, a.attnum, 'select')""")]
    with psycopg.connect(make_conninfo(either_warehouse, user=database_role(counties[0]))) as county:
        seen = {table: {code for (code,) in county.execute(f"select distinct county_code from marts.{table}")}
                for table in scoped}
    assert {"dim_institutions", "dim_counties"} <= set(scoped) and len(counties) > 1
    assert ({table: codes - {counties[0]} for table, codes in seen.items()}, seen["dim_institutions"]) == (
        {table: set() for table in scoped}, {counties[0]})


DATASETS = sorted((yaml.safe_load(p.read_text(encoding="utf-8")) for p in (ASSETS / "datasets").glob("*/*.yaml")),
                  key=lambda d: d["table_name"])


def dataset_rows(conn: psycopg.Connection, dataset: dict) -> list[tuple]:
    """The rows of a Superset dataset of the bundle: its table, or its SQL (a virtual dataset)."""
    query = dataset["sql"] or f"select * from {dataset['schema']}.{dataset['table_name']}"
    return sorted(conn.execute(f"select * from ({query}) as dataset").fetchall(), key=repr)


def test_superset_s_reader_reads_every_dataset_on_the_coordinator(citus_run, single_server):
    """What `yibao serve` gives Superset: the reader role, on the coordinator, reads each
    dashboard dataset as the single server gives it."""
    with psycopg.connect(citus_run, autocommit=True) as owner:
        ensure_readers(owner, [])
    with psycopg.connect(reader_url(citus_run)) as reader:
        on_citus = {d["table_name"]: dataset_rows(reader, d) for d in DATASETS}
    assert len(on_citus) >= 10 and all(on_citus.values())
    assert on_citus == {d["table_name"]: dataset_rows(single_server, d) for d in DATASETS}
