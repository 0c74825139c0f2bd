"""The warehouse's PostgreSQL roles and what each may do.

- `yibao`, the pipeline (loader and dbt): owns the warehouse's database and every schema in it;
  LOGIN and CREATEROLE (it creates and updates the roles below), never SUPERUSER: a superuser's
  session can run programs on the server (COPY … PROGRAM), which nothing here needs.
- `yibao_reader`: Superset's connection and the analysts'. SELECT on the marts only (raw,
  staging, quarantine, quality and audit hold personal or row-level source data: 信息保密制度,
  DOMAIN.md requirement 10), read-only transactions, and timeouts so that no reader holds a
  mart that a run must rebuild for long (`READER_SETTINGS`).
- `yibao_county`, a group without login, and one login role per county (created by
  dashboards.reader for the counties of the marts): what Superset connects as for a county
  bureau's users. SELECT only on the marts the county dashboards read, each limited to the
  role's county by PostgreSQL's row-level security (dbt's `county_access` macro), so the county
  filter holds whatever SQL a chart sends.

A superuser is needed once per database, to make the pipeline role its owner and to revoke from
PUBLIC the functions that run SQL given as text (`provision`): orchestration.warehouse does it
with the embedded server's superuser; for another server see docs/security.md.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import psycopg
from psycopg import sql

from orchestration.warehouse import stored_secret

PIPELINE_ROLE = "yibao"
READER = "yibao_reader"
COUNTY_GROUP = "yibao_county"
MARTS = "marts"

REVOCATIONS = Path(__file__).with_name("sql") / "revoke_text_sql_functions.sql"
TEXT_SQL_FUNCTIONS = re.findall(r"^revoke execute on function (.+) from public;$", REVOCATIONS.read_text(), re.M)


def reader_settings() -> dict[str, str]:
    """Session settings of every reader role. A query running longer than the statement timeout
    (`$YIBAO_READER_STATEMENT_TIMEOUT`, default 5 minutes) or a transaction left idle for a
    minute is ended by the server: dbt replaces a mart only once no reader holds it, so these
    bound how long a reader can hold a run up."""
    return {
        "default_transaction_read_only": "on",
        "statement_timeout": os.environ.get("YIBAO_READER_STATEMENT_TIMEOUT", "5min"),
        "idle_in_transaction_session_timeout": "1min",
    }


def reader_password() -> str:
    """The password of `yibao_reader`, which the county roles share: either reads no more than
    the reader itself."""
    return stored_secret("YIBAO_READER_PASSWORD", "reader_password")


def provision(admin_url: str) -> None:
    """As a superuser, on the database of `admin_url` (idempotent): the pipeline role exists and
    owns the database and the objects in it (a warehouse built before by another role is handed
    over), the reader roles exist, and the text-SQL functions are revoked from PUBLIC and from
    the reader roles."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        if not admin.execute("select 1 from pg_roles where rolname = %s", [PIPELINE_ROLE]).fetchone():
            admin.execute(sql.SQL("create role {} login createrole").format(sql.Identifier(PIPELINE_ROLE)))
        admin.execute(sql.SQL("alter role {} nosuperuser").format(sql.Identifier(PIPELINE_ROLE)))
        _hand_over(admin)
    with psycopg.connect(admin_url, user=PIPELINE_ROLE) as pipeline:
        ensure_reader_roles(pipeline)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(REVOCATIONS.read_text())
        readers = sql.SQL(", ").join(map(sql.Identifier, (READER, COUNTY_GROUP)))
        for function in TEXT_SQL_FUNCTIONS:
            admin.execute(sql.SQL("revoke execute on function {} from {}").format(sql.SQL(function), readers))


# Every object of the warehouse lives in a schema of its own (raw, marts, loader …) or in public.
_HAND_OVER = sql.SQL("""
do $$
declare
    target constant regrole := {role}::regrole;
    item record;
begin
    execute format('alter database %I owner to %I', current_database(), target);
    for item in
        select format('alter schema %I owner to %I', nspname, target) as ddl from pg_namespace
        where nspname !~ '^(pg_|information_schema$)' and nspname <> 'public' and nspowner <> target
        union all
        select format('alter %s %s owner to %I',
                      case c.relkind when 'v' then 'view' when 'm' then 'materialized view' else 'table' end,
                      c.oid::regclass, target)
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname !~ '^(pg_|information_schema$)' and c.relkind in ('r', 'p', 'v', 'm')
          and c.relowner <> target
        union all
        select format('alter routine %s owner to %I', p.oid::regprocedure, target)
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname !~ '^(pg_|information_schema$)' and p.prokind in ('f', 'p') and p.proowner <> target
    loop
        execute item.ddl;
    end loop;
end $$
""").format(role=sql.Literal(PIPELINE_ROLE))


def _hand_over(admin: psycopg.Connection) -> None:
    """Make the pipeline role the owner of the database and of every schema, table, view and
    function in it (tables take their indexes and sequences along)."""
    admin.execute(_HAND_OVER)


def ensure_reader_roles(conn: psycopg.Connection) -> None:
    """Create or update `yibao_reader` and the county group, their settings and their access to
    the marts (idempotent). Run as the role that builds the marts: the default privileges that
    let the reader read tables dbt creates later are that role's."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('yibao.roles'))")
        ensure_role(conn, READER, password=reader_password())
        ensure_role(conn, COUNTY_GROUP)
        database = conn.execute("select current_database()").fetchone()[0]
        readers = sql.SQL(", ").join(map(sql.Identifier, (READER, COUNTY_GROUP)))
        marts, reader = sql.Identifier(MARTS), sql.Identifier(READER)
        conn.execute(sql.SQL("grant connect on database {} to {}").format(sql.Identifier(database), readers))
        conn.execute(sql.SQL("create schema if not exists {}").format(marts))
        conn.execute(sql.SQL("grant usage on schema {} to {}").format(marts, readers))
        conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(marts, reader))
        conn.execute(sql.SQL("alter default privileges in schema {} grant select on tables to {}").format(marts, reader))


def ensure_role(conn: psycopg.Connection, name: str, password: str | None = None,
                member_of: str | None = None) -> None:
    """A role that reads at most: with a password it logs in (with `reader_settings()`), without
    one it is a group. Created when missing; a role of that name with any power beyond reading
    (made by someone else) is refused, not used."""
    role = sql.Identifier(name)
    if not conn.execute("select 1 from pg_roles where rolname = %s", [name]).fetchone():
        conn.execute(sql.SQL("create role {}").format(role))  # nosuperuser nocreatedb nocreaterole …
    powers = conn.execute("""select rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls
                             from pg_roles where rolname = %s""", [name]).fetchone()
    if any(powers):
        raise PermissionError(f"PostgreSQL role {name} may do more than read (superuser, createdb, createrole, "
                              f"replication or bypassrls): drop it or take those away, then run again")
    login = sql.SQL("login password {}").format(sql.Literal(password)) if password else sql.SQL("nologin")
    conn.execute(sql.SQL("alter role {} {}").format(role, login))
    for setting, value in reader_settings().items():
        conn.execute(sql.SQL("alter role {} set {} = {}").format(role, sql.Identifier(setting), sql.Literal(value)))
    if member_of:
        conn.execute(sql.SQL("grant {} to {}").format(sql.Identifier(member_of), role))


def executable_text_sql_functions(conn: psycopg.Connection, role: str) -> list[str]:
    """Which of the text-SQL functions `role` may still execute (none once provisioned)."""
    return [function for function in TEXT_SQL_FUNCTIONS
            if conn.execute("select has_function_privilege(%s, %s, 'execute')", [role, function]).fetchone()[0]]
