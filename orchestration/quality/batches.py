"""Which rows a check validates, and where its outcomes are recorded (schema `audit`).

A check validates the *pending* loads of its sources: the current load of each file (the one
whose rows are in raw) that has not yet passed that check's blocking expectations in some run.
New and re-delivered files are pending; a file that failed stays pending, so re-running on the
same data fails again; files that passed are not validated again. The cost of a run follows
what it loaded, not the size of the warehouse.

For each suite, `fill_batch` (re)creates the view `quality.<suite>` over the rows of the pending
loads (with the suite's rule columns), and GX validates that view. The per-file suites
(`file_loads`, `fct_settlements`) are small tables filled from their query instead, so no view
depends on a dbt model. One check step at a time holds the advisory lock `quality_lock()` while
it fills and validates its batches. Every outcome, per file and expectation, goes to
`audit.quality_checks`.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Iterator

import psycopg

from orchestration.quality.suites import SCHEMA, Suite

DDL = """
create schema if not exists quality;
create table if not exists audit.quality_checks (
    check_id bigserial primary key,
    run_id text not null,
    suite text not null,
    source text not null,
    load_id bigint,
    file text,
    month date,
    check_name text not null,
    expectation text not null,
    severity text not null check (severity in ('ERROR', 'WARN')),
    passed boolean not null,
    unexpected_count bigint,
    details jsonb,
    checked_at timestamptz not null default clock_timestamp()
);
create index if not exists quality_checks_load_idx on audit.quality_checks (load_id);
comment on table audit.quality_checks is
    'Outcome of every data-quality expectation on every file checked: one row per run, file and expectation';
"""


@dataclass(frozen=True)
class Load:
    load_id: int
    source: str
    file: str
    month: date | None
    rows: int = 0  # loaded


@dataclass(frozen=True)
class Finding:
    """One expectation's outcome on one file."""

    suite: str
    load: Load
    check_name: str  # the Dagster asset check it feeds
    expectation: str  # the expectation's description
    severity: str  # ERROR (blocking) or WARN
    passed: bool
    unexpected_count: int | None = None
    details: dict | None = None


def ensure_tables(conn: psycopg.Connection) -> None:
    """Create the schema `quality` and `audit.quality_checks` when missing."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('yibao.ensure_quality_tables'))")
        conn.execute(DDL)


@contextmanager
def quality_lock(conn: psycopg.Connection) -> Iterator[None]:
    """Held while a check fills and validates its batches (a session lock: autocommit)."""
    conn.execute("select pg_advisory_lock(hashtext('yibao.quality_batch'))")
    try:
        yield
    finally:
        conn.execute("select pg_advisory_unlock(hashtext('yibao.quality_batch'))")


def pending_loads(conn: psycopg.Connection, sources: list[str], suites: list[str]) -> list[Load]:
    """Current loads of `sources` that no run has yet passed the ERROR expectations of `suites` on."""
    rows = conn.execute(
        """with current_loads as (
               select distinct on (source, file) load_id, source, file, month, rows_loaded
               from audit.file_loads
               where status = 'loaded' and source = any(%s)
               order by source, file, load_id desc
           )
           select load_id, source, file, month, rows_loaded from current_loads c
           where not exists (
               select 1 from audit.quality_checks q
               where q.load_id = c.load_id
                 and q.suite = any(%s)
               group by q.run_id
               having bool_and(q.passed or q.severity <> 'ERROR')
                  and count(distinct q.suite) = cardinality(%s::text[])
           )
           order by source, month nulls first, file""",
        [sources, suites, suites],
    ).fetchall()
    return [Load(*row) for row in rows]


# Suites validated at a time (checks.py). Much of a validation is GX's Python or a query
# PostgreSQL runs on one core (an aggregate planned before the fresh rows have statistics, the
# count of file_loads); a second validation fills the other core. GX 1.x keeps a validator's
# batch in the validator, so validators may share the context's execution engine.
VALIDATIONS_AT_A_TIME = 2
# Planner settings of the checks' sessions: GX's, and those filling the per-file tables. Their
# queries read whole batches of rows often just loaded, which autovacuum has not analyzed yet;
# PostgreSQL then takes a year of settlements for a few hundred rows and plans one process. With
# parallelism free, scans of the large tables are parallel all the same; tables smaller than
# min_parallel_table_scan_size (the reference files, audit) stay serial. Each validation gets its
# share of the cores, but at least one worker: while one validation runs GX's Python, the other's
# worker has its core (measured faster than two workers each: `make bench-quality`).
PLANNER_SETTINGS = {"parallel_setup_cost": "0", "parallel_tuple_cost": "0",
                    "max_parallel_workers_per_gather": str(max(1, (os.cpu_count() or 1) // VALIDATIONS_AT_A_TIME - 1))}


def fill_batch(conn: psycopg.Connection, suite: Suite, loads: list[Load]) -> None:
    """(Re)create the suite's view, or fill its table, for the rows of `loads`."""
    kind = "table" if suite.materialized else "view"
    with conn.transaction():
        for name, value in PLANNER_SETTINGS.items():
            conn.execute(f"set local {name} = {value}")
        conn.execute(f"drop {kind} if exists {SCHEMA}.{suite.name}")
        conn.execute(suite.ddl([l.load_id for l in loads], [l.month for l in loads if l.month]))


def record(conn: psycopg.Connection, run_id: str, findings: list[Finding]) -> None:
    with conn.transaction(), conn.cursor().copy(
        """copy audit.quality_checks (run_id, suite, source, load_id, file, month, check_name, expectation,
               severity, passed, unexpected_count, details) from stdin""") as copy:
        for f in findings:
            copy.write_row((run_id, f.suite, f.load.source, f.load.load_id, f.load.file, f.load.month,
                            f.check_name, f.expectation, f.severity, f.passed, f.unexpected_count,
                            json.dumps(f.details, default=str, ensure_ascii=False) if f.details else None))
