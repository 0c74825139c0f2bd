"""DDL of the loader's schemas: `raw` (typed, validated rows), `quarantine` and `audit`.

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


def raw_table_ddl(source: Source) -> str:
    columns = [f"{c.name} {c.sql_type}" for c in source.columns]
    lineage = ["_file text not null", "_line_number integer not null", "_load_id bigint not null"]
    if source.monthly:
        lineage.append("_month date not null")
    ddl = [f"create table if not exists raw.{source.name} ({', '.join(columns + lineage)});"]
    ddl.append(f"comment on table raw.{source.name} is $${source.comment} (landing {source.file_name('YYYY-MM')})$$;")
    if source.monthly:
        ddl.append(f"create index if not exists {source.name}_month_idx on raw.{source.name} (_month);")
    if source.key_across_months:
        key = ", ".join(source.key)
        ddl.append(f"create unique index if not exists {source.name}_key_idx on raw.{source.name} ({key});")
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
        for schema in ("raw", "quarantine", "audit"):
            conn.execute(f"create schema if not exists {schema}")
        conn.execute(AUDIT_DDL)
        for source in ALL_SOURCES:
            conn.execute(raw_table_ddl(source))
            conn.execute(quarantine_table_ddl(source))
