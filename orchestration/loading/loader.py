"""Loading a landing file into `raw`: COPY into a temporary table, check in SQL, record the load.

A file is loaded in one transaction, top to bottom:

1. it is read (reading.py): encoding, header, delimiter, shape. A file that cannot be read as a
   whole is rejected here, before anything changes;
2. it is skipped when its bytes, and the references its rules look up, are those of its last load;
3. its data is COPYed into `pg_temp.landing`, and every row is checked in one statement into
   `pg_temp.checked` (validation_sql.py): types, then the quarantine rules of the catalogue
   (rules.py), the first one broken naming the row's reason; then the keys repeated in the file;
4. the rows of its month (or the whole reference snapshot) are deleted from raw and quarantine;
   the rows that earlier files decide are marked (a key another month loaded, a reversal of a
   settlement never loaded); the valid rows go into `raw.<source>`, the others into
   `quarantine.<source>` with their line as written;
5. the load is recorded in `audit.file_loads` and committed, synchronously: it is on disk when
   it is reported.

A file rejected in step 3 or 4 is rolled back, so what was loaded before stays; every rejection
is recorded in `audit.file_loads` with its reason.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import psycopg

from orchestration.loading.reading import PARSED, LandingFile, RejectedFile, inspect
from orchestration.loading.validation_sql import (
    Batch,
    Landed,
    already_loaded_sql,
    checked_sql,
    dangling_references_sql,
    duplicate_keys_sql,
    file_rows_sql,
    insert_valid_sql,
    quarantine_sql,
)
from orchestration.raw_schema import is_citus
from orchestration.sources import Source

# Room for a month's landed and checked rows in the session's temporary buffers; set before
# the session's first temporary table (PostgreSQL refuses a change after that).
TEMP_BUFFERS = "256MB"

Connect = Callable[[], AbstractContextManager[psycopg.Connection]]


@dataclass(frozen=True)
class FileLoad:
    source: str
    file: str
    month: str | None
    status: str  # loaded, rejected or unchanged (same content as the last load: skipped)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""
    seconds: float = 0.0


def load_files(connect: Connect, source: Source, files: Sequence[tuple[Path, str]],
               landing_root: Path) -> Iterator[FileLoad]:
    """Load the monthly `files` ((path, month), oldest first) of `source` on one connection from
    `connect`, yielding each load as it is committed."""
    with connect() as conn:
        conn.execute(f"set temp_buffers = '{TEMP_BUFFERS}'")
        for path, month in files:
            yield load_file(conn, source, path, landing_root, month)


def load_file(conn: psycopg.Connection, source: Source, path: Path, landing_root: Path,
              month: str | None = None) -> FileLoad:
    """Load `path` (a file of `source`, of `month` when monthly) and record it in the audit."""
    started = datetime.now(timezone.utc)
    clock = time.perf_counter()
    file = path.relative_to(landing_root).as_posix()
    month = month if source.monthly else None
    sha256 = None
    try:
        landing = inspect(path, source.column_names)
        sha256 = landing.sha256
        if _is_unchanged(conn, source, file, sha256):
            return FileLoad(source.name, file, month, "unchanged")
        with conn.transaction():
            conn.execute("set local synchronous_commit = on")  # whatever the server's default
            landed = _land(conn, landing)
            conn.execute(checked_sql(source, month, landed))
            if source.key:
                conn.execute(duplicate_keys_sql(source))
            load_id = conn.execute("select nextval('audit.file_loads_load_id_seq')").fetchone()[0]
            counts = _replace_rows(conn, source, landed, Batch(file, load_id, month))
            load = FileLoad(source.name, file, month, "loaded", *counts, seconds=time.perf_counter() - clock)
            _record(conn, load, started, sha256, landing.source_encoding, load_id)
    except (RejectedFile, psycopg.errors.DataError, psycopg.errors.ProgramLimitExceeded) as problem:
        load = FileLoad(source.name, file, month, "rejected", message=_describe(problem),
                        seconds=time.perf_counter() - clock)
        _record(conn, load, started, sha256 or getattr(problem, "sha256", None))
    return load


def reject_file(conn: psycopg.Connection, source_name: str, file: str, message: str) -> FileLoad:
    """Record a file that the landing layout does not allow (e.g. a misnamed monthly file)."""
    load = FileLoad(source_name, file, None, "rejected", message=message)
    _record(conn, load, datetime.now(timezone.utc))
    return load


def _describe(problem: Exception) -> str:
    """The rejection's message; PostgreSQL's, without the value it quotes (files hold ID numbers)."""
    if isinstance(problem, psycopg.Error):
        detail = (problem.diag.message_primary or str(problem)).strip()
        return "cannot be read: " + re.sub(r': ".*"$', "", detail)
    return str(problem)


def _is_unchanged(conn: psycopg.Connection, source: Source, file: str, sha256: str) -> bool:
    """Same bytes as the last successful load, and no looked-up reference changed since then.

    Rows are validated against reference files (known institutions, counties), so a new
    snapshot of one of those makes the files that look it up worth validating again.
    """
    row = conn.execute(
        """select sha256, load_id from audit.file_loads
           where source = %s and file = %s and status = 'loaded'
           order by load_id desc limit 1""",
        [source.name, file],
    ).fetchone()
    if row is None or row[0] != sha256:
        return False
    if not source.lookups:
        return True
    newest_reference = conn.execute(
        "select max(load_id) from audit.file_loads where status = 'loaded' and source = any(%s)",
        [list(source.lookups)],
    ).fetchone()[0]
    return newest_reference is None or row[1] > newest_reference


def _land(conn: psycopg.Connection, landing: LandingFile) -> Landed:
    """COPY the file's data into `pg_temp.landing`, in the shape reading.py found.

    A file that looks split-able by COPY may still hold a line with a delimiter too many or too
    few: COPY then fails as a whole, and the file is landed again by line, where each row's
    problem can be named.
    """
    landed = Landed.of(landing)
    try:
        with conn.transaction():
            _copy(conn, landing, landed)
        return landed
    except psycopg.errors.BadCopyFileFormat:
        if landed.shape == PARSED:
            raise
    by_line = landed.by_line()
    _copy(conn, landing, by_line)
    return by_line


def _copy(conn: psycopg.Connection, landing: LandingFile, landed: Landed) -> None:
    conn.execute(landed.ddl())
    with conn.cursor().copy(landed.copy_sql()) as copy:
        if landed.shape == PARSED:
            for record in landing.records():
                copy.write_row(record)
        else:
            for chunk in landing.data():
                copy.write(chunk)


def _replace_rows(conn: psycopg.Connection, source: Source, landed: Landed,
                  batch: Batch) -> tuple[int, int, int]:
    """Drop the rows the checked file replaces, apply the rules across files and route each of
    its rows; returns (rows read, loaded, quarantined)."""
    scope = file_rows_sql(source, batch.month)
    conn.execute(f"delete from raw.{source.name} where {scope}")
    conn.execute(f"delete from quarantine.{source.name} where {scope}")
    if source.refers_to_own_key:
        conn.execute(dangling_references_sql(source))
    loaded = _insert_valid_rows(conn, source, batch)
    read = conn.execute(landed.rows_read_sql()).fetchone()[0]
    # Most files quarantine nothing: skip the statement, which joins every landed line.
    quarantined = conn.execute(quarantine_sql(source, batch, landed)).rowcount if read > loaded else 0
    return read, loaded, quarantined


def _insert_valid_rows(conn: psycopg.Connection, source: Source, batch: Batch) -> int:
    """Insert the rows without a reason into raw; returns how many.

    A key unique across months is checked by the raw table's unique index as the rows go in:
    only when the index refuses a key that another file loaded is the insert undone (to a
    savepoint), the rows with such keys marked and the others inserted. On a Citus coordinator
    the keys are looked up first instead: Citus reports a shard's unique violation as an
    internal error (SQLSTATE XX000), which cannot be told from any other.
    """
    if source.key_across_months and is_citus(conn):
        conn.execute(already_loaded_sql(source))
    elif source.key_across_months:
        try:
            with conn.transaction():
                return conn.execute(insert_valid_sql(source, batch)).rowcount
        except psycopg.errors.UniqueViolation:
            conn.execute(already_loaded_sql(source))
    return conn.execute(insert_valid_sql(source, batch)).rowcount


def _record(conn: psycopg.Connection, load: FileLoad, started: datetime, sha256: str | None = None,
            encoding: str | None = None, load_id: int | None = None) -> None:
    with conn.transaction():
        conn.execute(
            """insert into audit.file_loads (load_id, source, file, month, sha256, encoding, rows_read,
                   rows_loaded, rows_quarantined, status, message, started_at)
               values (coalesce(%s, nextval('audit.file_loads_load_id_seq')), %s, %s, %s::date, %s, %s,
                       %s, %s, %s, %s, %s, %s)""",
            [load_id, load.source, load.file, f"{load.month}-01" if load.month else None, sha256, encoding,
             load.rows_read, load.rows_loaded, load.rows_quarantined, load.status, load.message or None,
             started],
        )
