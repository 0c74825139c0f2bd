"""DDL of the loader's schemas: `raw` (typed, validated rows), `quarantine`, `audit` and
`loader` (functions the validation SQL uses).

Every raw table has the contract's columns, typed, plus lineage columns: `_file` (the landing
path relative to the landing directory), `_line_number` (1 = the header), `_load_id` (the
`audit.file_loads` row that brought it) and, for monthly sources, `_month` (the file's month).
"""

from __future__ import annotations

import psycopg

from orchestration.sources import ALL_SOURCES, Source

AUDIT_DDL = """
create table if not exists audit.file_loads (
    load_id bigserial primary key,
    source text not null,
    file text not null,
    month date,
    sha256 text,
    encoding text,
    rows_read integer not null default 0,
    rows_loaded integer not null default 0,
    rows_quarantined integer not null default 0,
    status text not null check (status in ('loaded', 'rejected')),
    message text,
    started_at timestamptz not null,
    loaded_at timestamptz not null default clock_timestamp()
);
comment on table audit.file_loads is 'Every landing file handled: one row per load attempt (loaded or rejected)';
"""


# Helper functions of the loader's validation SQL (orchestration/loading/validation_sql.py).
LOADER_FUNCTIONS_DDL = r"""
create or replace function loader.iso_date(v text) returns text
language sql immutable parallel safe as $$
    select case
        when v is null or (length(v) = 10 and substr(v, 5, 1) = '-') then v
        when v ~ '^\d{8}$' then substr(v, 1, 4) || '-' || substr(v, 5, 2) || '-' || substr(v, 7, 2)
        when v ~ '^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$' then
            split_part(translate(v, '/.', '--'), '-', 1)
            || '-' || lpad(split_part(translate(v, '/.', '--'), '-', 2), 2, '0')
            || '-' || lpad(split_part(translate(v, '/.', '--'), '-', 3), 2, '0')
        else v
    end
$$;
comment on function loader.iso_date(text) is
    'A date written YYYYMMDD, YYYY/M/D, YYYY.M.D or YYYY-M-D as YYYY-MM-DD; anything else unchanged';
create or replace function loader.iso_month(v text) returns text
language sql immutable parallel safe as $$
    select case
        when v is null or (length(v) = 7 and substr(v, 5, 1) = '-') then v
        when v ~ '^\d{6}$' then substr(v, 1, 4) || '-' || substr(v, 5, 2)
        when v ~ '^\d{4}[-/.]\d{1,2}$' then
            split_part(translate(v, '/.', '--'), '-', 1)
            || '-' || lpad(split_part(translate(v, '/.', '--'), '-', 2), 2, '0')
        else v
    end
$$;
comment on function loader.iso_month(text) is
    'A month written YYYYMM, YYYY/M, YYYY.M or YYYY-M as YYYY-MM; anything else unchanged';
"""


def raw_table_ddl(source: Source) -> str:
    columns = [f"{c.name} {c.sql_type}" for c in source.columns]
    lineage = ["_file text not null", "_line_number integer not null", "_load_id bigint not null"]
    if source.monthly:
        lineage.append("_month date not null")
    ddl = [f"create table if not exists raw.{source.name} ({', '.join(columns + lineage)});"]
    ddl.append(f"comment on table raw.{source.name} is $${source.comment} (landing {source.file_name('YYYY-MM')})$$;")
    if source.monthly:  # with the load id: a month's or a load's rows are counted in the index alone
        ddl.append(f"drop index if exists raw.{source.name}_month_idx;")  # (_month), before 2026-12
        ddl.append(f"create index if not exists {source.name}_month_load_idx on raw.{source.name} (_month, _load_id);")
    if source.key_across_months:
        key = ", ".join(source.key)
        ddl.append(f"create unique index if not exists {source.name}_key_idx on raw.{source.name} ({key});")
    if source.refers_to_own_key:  # the few rows that refer, by month (suites.py looks them up)
        column, _ = source.refers_to_own_key
        ddl.append(f"create index if not exists {source.name}_{column}_idx on raw.{source.name} (_month) "
                   f"where {column} is not null;")
    return "\n".join(ddl)


def quarantine_table_ddl(source: Source) -> str:
    return f"""
create table if not exists quarantine.{source.name} (
    file text not null,
    line_number integer not null,
    raw_line text,
    reason text not null,
    _month date,
    _load_id bigint not null
);
comment on table quarantine.{source.name} is 'Rows of {source.name} files that broke a row rule';
"""


def ensure_schemas(conn: psycopg.Connection) -> None:
    """Create the loader's schemas and tables when missing (idempotent)."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('yibao.ensure_schemas'))")
        for schema in ("raw", "quarantine", "audit", "loader"):
            conn.execute(f"create schema if not exists {schema}")
        conn.execute(AUDIT_DDL)
        conn.execute(LOADER_FUNCTIONS_DDL)
        for source in ALL_SOURCES:
            conn.execute(raw_table_ddl(source))
            conn.execute(quarantine_table_ddl(source))
