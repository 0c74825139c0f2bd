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


# Type tests of the loader's validation SQL (orchestration/loading/validation_sql.py): whether a
# text can be cast to the type, so that one bad value is quarantined instead of ending the
# statement. PostgreSQL 16 has pg_input_is_valid() for it. On 15 the test is written out: the
# syntax 15's input functions read, and the ranges a cast refuses; it costs more (regular
# expressions). The two differ only on what 16 reads and 15 does not: underscores in numbers
# and hexadecimal, octal and binary integers (1_000, 0x1A), which 15 quarantines.
TYPE_TESTS = {
    160000: r"""
create or replace function loader.is_numeric(v text) returns boolean
language sql stable parallel safe as $$ select pg_input_is_valid(v, 'numeric') $$;
create or replace function loader.is_integer(v text) returns boolean
language sql stable parallel safe as $$ select pg_input_is_valid(v, 'integer') $$;
create or replace function loader.is_date(v text) returns boolean
language sql stable parallel safe as $$
    select length(v) = 10 and substr(v, 5, 1) = '-' and substr(v, 8, 1) = '-' and pg_input_is_valid(v, 'date')
$$;
""",
    150000: r"""
create or replace function loader.is_numeric(v text) returns boolean
language sql immutable strict parallel safe as $$
    select length(v) <= 1000 and (
        v ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,3})?\s*$'
        or v ~* '^\s*(nan|[-+]?inf(inity)?)\s*$')
$$;
create or replace function loader.is_integer(v text) returns boolean
language sql immutable strict parallel safe as $$
    select case when v ~ '^\s*[-+]?[0-9]{1,30}\s*$' then v::numeric between -2147483648 and 2147483647 else false end
$$;
create or replace function loader.is_date(v text) returns boolean
language sql immutable strict parallel safe as $$
    select case when v ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' and left(v, 4) <> '0000'
                     and substr(v, 6, 2) between '01' and '12' and substr(v, 9, 2) between '01' and '31'
                then substr(v, 9, 2)::int <= extract(day from make_date(left(v, 4)::int, substr(v, 6, 2)::int, 1)
                                                              + interval '1 month - 1 day')
                else false end
$$;
""",
}


def type_tests_ddl(server_version: int) -> str:
    """The type tests for a server of `server_version` (server_version_num)."""
    return TYPE_TESTS[max(v for v in TYPE_TESTS if v <= server_version)]


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


def is_citus(conn: psycopg.Connection) -> bool:
    """Whether the warehouse is a Citus coordinator (the `citus` extension is installed): the
    raw tables are then distributed (docs/citus.md)."""
    return conn.execute("select exists (select from pg_extension where extname = 'citus')").fetchone()[0]


def distribute_raw_tables(conn: psycopg.Connection) -> None:
    """On a Citus coordinator, spread every raw table that is still local as its source's
    `citus_distribution` says: hashed by a column, co-located with the models distributed on
    the same values, or copied whole to every node (a reference table). Quarantine, audit and
    the loader's temporary tables stay on the coordinator."""
    for source in ALL_SOURCES:
        table = f"raw.{source.name}"
        if conn.execute("select exists (select from pg_dist_partition where logicalrelid = %s::regclass)",
                        [table]).fetchone()[0]:
            continue
        if source.citus_distribution == "reference":
            conn.execute("select create_reference_table(%s)", [table])
        else:
            conn.execute("select create_distributed_table(%s, %s)", [table, source.citus_distribution])


def ensure_schemas(conn: psycopg.Connection) -> None:
    """Create the loader's schemas and tables when missing, distributed on a Citus coordinator
    (idempotent)."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('yibao.ensure_schemas'))")
        for schema in ("raw", "quarantine", "audit", "loader"):
            conn.execute(f"create schema if not exists {schema}")
        conn.execute(AUDIT_DDL)
        conn.execute(LOADER_FUNCTIONS_DDL)
        conn.execute(type_tests_ddl(conn.info.server_version))
        for source in ALL_SOURCES:
            conn.execute(raw_table_ddl(source))
            conn.execute(quarantine_table_ddl(source))
        if is_citus(conn):
            distribute_raw_tables(conn)
