"""The warehouse's PostgreSQL roles (orchestration/roles.py): the pipeline is no superuser, the
reader roles execute no function that runs SQL given as text, and a warehouse built by another
role is handed over to the pipeline."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from dashboards.counties import database_role
from dashboards.reader import ensure_readers
from orchestration.roles import COUNTY_GROUP, PIPELINE_ROLE, READER, TEXT_SQL_FUNCTIONS, provision
from tests.conftest import CALLERS_SERVER, create_database, database_name, drop_database

pytestmark = pytest.mark.skipif(bool(CALLERS_SERVER), reason="provisioning is tested on the embedded server")

# A search of the catalogue for what the revocation list must cover: PostgreSQL's own functions
# that take a query as text (an argument named query, or a C function for queries, such as
# ts_rewrite's), a cursor, or that dump a relation, schema or database as XML.
CATALOGUE_SEARCH = """
select p.oid::regprocedure::text
from pg_proc p
where p.pronamespace = 'pg_catalog'::regnamespace
  and p.prokind = 'f'
  and (exists (select from unnest(p.proargtypes::oid[]) with ordinality as a(type, n)
               where a.type = 'text'::regtype
                 and (coalesce(p.proargnames[a.n], '') ~ 'query|sql|statement|command'
                      or p.prosrc ~ '(^|_)query(_|$)'))
       or 'refcursor'::regtype = any(p.proargtypes::oid[])
       or p.proname ~ '^(table|schema|database|query|cursor)_to_xml')
"""


def signature(conn: psycopg.Connection, function: str) -> str:
    return conn.execute("select %s::regprocedure::text", [function]).fetchone()[0]


def test_the_revocation_list_covers_what_a_catalogue_search_finds(db):
    found = {row[0] for row in db.execute(CATALOGUE_SEARCH).fetchall()}
    listed = {signature(db, function) for function in TEXT_SQL_FUNCTIONS}
    assert "ts_stat(text)" in found and "query_to_xml(text,boolean,boolean,text)" in found
    assert found == listed


def test_no_reader_role_may_execute_a_function_that_runs_sql_given_as_text(db):
    """Proved through the catalogue: the embedded server has no libxml, so query_to_xml fails
    there for another reason whether it is revoked or not."""
    ensure_readers(db, ["450802"])
    for role in (READER, COUNTY_GROUP, database_role("450802")):
        executable = [f for f in TEXT_SQL_FUNCTIONS
                      if db.execute("select has_function_privilege(%s, %s, 'execute')", [role, f]).fetchone()[0]]
        assert executable == [], role
    public = db.execute("""select count(*) from pg_proc p, aclexplode(p.proacl) a
                           where p.oid = any(%s::regprocedure[]) and a.grantee = 0""", [TEXT_SQL_FUNCTIONS]).fetchone()[0]
    assert public == 0
    with psycopg.connect(make_conninfo(db.info.dsn, user=database_role("450802"))) as county:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="ts_stat"):
            county.execute("select * from ts_stat('select to_tsvector(''x'')')")


def test_the_pipeline_role_loads_and_builds_but_is_no_superuser(db):
    me = db.execute("""select rolname, rolsuper, rolcreatedb, rolbypassrls, rolreplication
                       from pg_roles where rolname = current_user""").fetchone()
    assert me == (PIPELINE_ROLE, False, False, False, False)
    owners = dict(db.execute("""select nspname, pg_get_userbyid(nspowner) from pg_namespace
                                where nspname in ('raw', 'quarantine', 'audit', 'loader')""").fetchall())
    assert owners == dict.fromkeys(("raw", "quarantine", "audit", "loader"), PIPELINE_ROLE)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        db.execute("copy (select 1) to program 'true'")


def test_provisioning_hands_a_warehouse_built_by_the_superuser_over_to_the_pipeline(server_url):
    """A warehouse that `yibao run` built as the embedded server's superuser, before the pipeline
    had a role of its own: its schemas, tables, views and functions become the pipeline's."""
    name = database_name(create_database(server_url))
    admin_url = make_conninfo(server_url, dbname=name)
    try:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"alter database {name} owner to current_user")
            admin.execute("""create schema raw; create table raw.settlement (id bigserial, x text);
                             create schema staging; create view staging.v as select x from raw.settlement;
                             create function raw.f() returns int language sql as 'select 1';""")
        provision(admin_url)
        with psycopg.connect(admin_url) as admin:
            owners = admin.execute("""
                select 'database', pg_get_userbyid(datdba) from pg_database where datname = current_database()
                union all select nspname, pg_get_userbyid(nspowner) from pg_namespace where nspname in ('raw', 'staging')
                union all select relname, pg_get_userbyid(relowner) from pg_class
                          where relname in ('settlement', 'settlement_id_seq', 'v')
                union all select proname, pg_get_userbyid(proowner) from pg_proc where proname = 'f'""").fetchall()
        assert dict(owners) == dict.fromkeys(("database", "raw", "staging", "settlement", "settlement_id_seq", "v", "f"),
                                             PIPELINE_ROLE)
        with psycopg.connect(admin_url, user=PIPELINE_ROLE) as pipeline:
            pipeline.execute("insert into raw.settlement (x) values ('a')")
    finally:
        drop_database(server_url, admin_url)
