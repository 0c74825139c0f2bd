"""Loading landing files: COPY into a temporary table, validate in SQL, record the load.

Each file is loaded in one transaction that replaces the earlier rows of the same source and
month (or the whole snapshot of a reference file). A file that cannot be read is rejected: the
transaction is rolled back, so what was loaded before stays, and the rejection is recorded.

The months of a source are loaded two at a time, each on its own connection: a file is landed
and checked (the costly part, which needs no other file) while the previous file is committed,
and its own rows are routed only after that commit, so rules across files (keys unique across
months, reversals of earlier settlements) see the files strictly in order. A large file loaded
alone (a new month) is landed and checked in two halves instead, the second on a connection of
its own, whose rows then join the first half's in the loading transaction.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import psycopg

from orchestration.loading.reading import LandingFile, RejectedFile, read_landing_file
from orchestration.loading.validation_sql import (
    CHECKED_TABLE,
    LANDING_TABLE,
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
from orchestration.sources import Source

_COPY_CHUNK = 8 << 20
# Room for a month's landed and checked rows in the session's temporary buffers; set before
# the session's first temporary table (PostgreSQL ignores a change after that).
_TEMP_BUFFERS = "256MB"
# A regular file of at least this size, loaded alone, is landed and checked in two halves side by
# side: for a month of 868,000 settlements (140 MB), 4.7 s instead of 7.0 s, the hand-over of the
# second half's rows included. For small files the second connection is not worth its set-up.
_SPLIT_BYTES = 16 << 20
_NOTHING_TO_WAIT_FOR = threading.Event()
_NOTHING_TO_WAIT_FOR.set()


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


def load_file(conn: psycopg.Connection, source: Source, path: Path, landing_root: Path,
              month: str | None = None) -> FileLoad:
    """Load `path` (a file of `source`, of `month` when monthly) and record it in the audit."""
    load = _load(conn, source, path, landing_root, month, previous_committed=_NOTHING_TO_WAIT_FOR)
    _read_back(conn, source, load)
    return load


Connect = Callable[[], AbstractContextManager[psycopg.Connection]]


@contextmanager
def _session(connect: Connect) -> Iterator[psycopg.Connection]:
    """A connection from `connect`, with room for a month in its temporary tables."""
    with connect() as conn:
        conn.execute(f"set temp_buffers = '{_TEMP_BUFFERS}'")
        yield conn


def load_files(connect: Connect, source: Source, files: Sequence[tuple[Path, str]],
               landing_root: Path, workers: int | None = None) -> Iterator[FileLoad]:
    """Load the monthly `files` ((path, month), oldest first) of `source`, yielding each load
    in order as it is committed; `workers` connections (default: the CPU count, at most 2:
    one checks while one commits) come from `connect`."""
    workers = workers or min(2, os.cpu_count() or 1)
    committed = [threading.Event() for _ in files]
    loads: list[FileLoad] = []
    helper = partial(_session, connect) if len(files) == 1 and workers > 1 else None

    def load(index: int) -> FileLoad:
        path, month = files[index]
        try:
            with _session(connect) as conn:
                previous = committed[index - 1] if index else _NOTHING_TO_WAIT_FOR
                loaded = _load(conn, source, path, landing_root, month, previous, helper)
                committed[index].set()  # the next file's rows are routed while these are read back
                _read_back(conn, source, loaded)
                return loaded
        finally:
            committed[index].set()  # also when this load failed

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"load-{source.name}") as pool:
        # Tasks start in submission order, so the file a task waits for is always running.
        for future in [pool.submit(load, index) for index in range(len(files))]:
            loads.append(future.result())
            yield loads[-1]
    if any(done.status == "loaded" for done in loads):
        with connect() as conn:
            _vacuum(conn, source)


def _load(conn: psycopg.Connection, source: Source, path: Path, landing_root: Path,
          month: str | None, previous_committed: threading.Event, helper: Connect | None = None) -> FileLoad:
    """Load one file; its rows are routed once `previous_committed` (the previous file) is set.
    With a `helper` (connections for a second half), a large file is checked in two halves."""
    started = datetime.now(timezone.utc)
    clock = time.perf_counter()
    file = path.relative_to(landing_root).as_posix()
    month = month if source.monthly else None
    sha256 = None
    try:
        landing = read_landing_file(path, source)
        sha256 = landing.sha256
        if _is_unchanged(conn, source, file, sha256):
            return FileLoad(source.name, file, month, "unchanged")
        with conn.transaction():
            # On disk at the commit (the server may commit asynchronously): the load is then
            # durable when reported, and its rows' commit can be read from their pages at once
            # (hint bits, which the read-back sets and the vacuum needs to mark pages all-visible).
            conn.execute("set local synchronous_commit = on")
            landed = _land_and_check(conn, source, month, landing, helper)
            if source.key:
                conn.execute(duplicate_keys_sql(source))
            previous_committed.wait()
            load_id = conn.execute("select nextval('audit.file_loads_load_id_seq')").fetchone()[0]
            counts = _replace_rows(conn, source, landed, Batch(file, load_id, month))
            load = FileLoad(source.name, file, month, "loaded", *counts, seconds=time.perf_counter() - clock)
            _record(conn, load, started, sha256, landing.encoding, load_id)
    except (RejectedFile, psycopg.DataError) as problem:
        previous_committed.wait()
        load = FileLoad(source.name, file, month, "rejected", message=_describe(problem),
                        seconds=time.perf_counter() - clock)
        _record(conn, load, started, sha256 or getattr(problem, "sha256", None))
    return load


def _read_back(conn: psycopg.Connection, source: Source, load: FileLoad) -> None:
    """Read the rows just committed once, through the month index for a monthly source.

    The first read of a committed row sets its commit hint bit, which dirties its page. Done
    here, it finds the pages still in shared buffers and already dirty: 10-20 ms for a month of
    80,000 settlements. Left to the first later reader (the data-quality checks, else dbt), it
    cost the settlement checks of a year at 1M settlements about 0.5 s, and every page was
    written a second time.
    """
    if load.status != "loaded":
        return
    with conn.transaction():
        conn.execute("set local enable_seqscan = off")  # a month: its index (fresh rows have no statistics)
        conn.execute(f"select count(*) from raw.{source.name} where {file_rows_sql(source, load.month)}")


def _vacuum(conn: psycopg.Connection, source: Source) -> None:
    """Mark the pages of the rows just loaded all-visible, once no load of the source is open.

    The checks count each load's rows and dbt finds each month's load id; on all-visible pages
    the index on (_month, _load_id) answers alone: GX's row count of a year of 1M settlements
    takes 40 ms instead of 250-300 ms on two processes. Autovacuum would come by later, in the
    middle of the checks or dbt; here it costs about 0.15 s for that year, the new pages only.
    (A table that another vacuum holds is skipped.)
    """
    conn.execute(f"vacuum (skip_locked) raw.{source.name}")


def reject_file(conn: psycopg.Connection, source_name: str, file: str, message: str) -> FileLoad:
    """Record a file that the landing layout does not allow (e.g. a misnamed monthly file)."""
    load = FileLoad(source_name, file, None, "rejected", message=message)
    _record(conn, load, datetime.now(timezone.utc))
    return load


def _describe(problem: Exception) -> str:
    if isinstance(problem, psycopg.DataError):
        detail = (problem.diag.message_primary or str(problem)).strip()
        return f"cannot be read: {detail}"
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

    A key unique across months is checked by the raw table's unique index as the rows go in,
    at no cost of its own: only when the index refuses a key that another file loaded is the
    insert undone (to a savepoint), the rows with such keys marked and the others inserted.
    """
    if source.key_across_months:
        try:
            with conn.transaction():
                return conn.execute(insert_valid_sql(source, batch)).rowcount
        except psycopg.errors.UniqueViolation:
            conn.execute(already_loaded_sql(source))
    return conn.execute(insert_valid_sql(source, batch)).rowcount


def _land_and_check(conn: psycopg.Connection, source: Source, month: str | None, landing: LandingFile,
                    helper: Connect | None) -> Landed:
    """Land the file into `pg_temp.landing` and check its rows into `pg_temp.checked`."""
    middle = landing.data.find(b"\n", len(landing.data) // 2) + 1
    if helper and len(landing.data) >= _SPLIT_BYTES and landing.looks_regular and 0 < middle < len(landing.data):
        try:
            with conn.transaction():
                return _land_and_check_halves(conn, source, month, landing, middle, helper)
        except psycopg.DataError:
            pass  # a line out of shape (or a byte not of the encoding): the whole file names it
    landed = _land(conn, landing)
    conn.execute(checked_sql(source, month, landed))
    return landed


def _land_and_check_halves(conn: psycopg.Connection, source: Source, month: str | None, landing: LandingFile,
                           middle: int, helper: Connect) -> Landed:
    """Land and check the lines before byte `middle` here and the others on a `helper`
    connection at the same time, then take the helper's landed and checked rows.

    The helper hands them over in two unlogged tables `loader.handover_<pid>_landing` and
    `…_checked` (<pid>: this session's backend), which this transaction drops once it has read
    them. A load that fails after the helper committed leaves them: the helper of the next split
    load drops those of sessions that ended (and of its own session) before it starts.
    """
    data = memoryview(landing.data)
    first = Landed(landing.header, landing.header_line, by_column=True)
    second = replace(first, first_line=first.first_line + landing.data.count(b"\n", 0, middle))
    pid = conn.info.backend_pid
    with ThreadPoolExecutor(1) as pool:
        handed_over = pool.submit(_land_and_check_elsewhere, helper, source, month,
                                  replace(landing, data=data[middle:]), second, pid)
        _land_and_check_part(conn, source, month, replace(landing, data=data[:middle]), first)
        handed_over.result()
    handovers = [_handover(pid, table) for table in (LANDING_TABLE, CHECKED_TABLE)]
    for table, handover in zip((LANDING_TABLE, CHECKED_TABLE), handovers):
        conn.execute(f"insert into {table} select * from {handover}")
    conn.execute(f"drop table {', '.join(handovers)}")
    return first


def _land_and_check_elsewhere(helper: Connect, source: Source, month: str | None, part: LandingFile,
                              landed: Landed, pid: int) -> None:
    """Land and check `part` on a helper connection and commit its rows to the hand-over tables
    of the session `pid`."""
    with helper() as other:
        _drop_stale_handovers(other, pid)
        with other.transaction():
            _land_and_check_part(other, source, month, part, landed)
            for table in (LANDING_TABLE, CHECKED_TABLE):
                other.execute(f"create unlogged table {_handover(pid, table)} as table {table}")


def _land_and_check_part(conn: psycopg.Connection, source: Source, month: str | None, part: LandingFile,
                         landed: Landed) -> None:
    _copy(conn, part, landed)
    conn.execute(checked_sql(source, month, landed))


def _handover(pid: int, table: str) -> str:
    """The unlogged table in which a helper hands `table` (landing or checked) to session `pid`."""
    return f"loader.handover_{pid}_{table.rpartition('.')[2]}"


def _drop_stale_handovers(conn: psycopg.Connection, pid: int) -> None:
    """Drop the hand-over tables of failed loads: of sessions that ended, and of session `pid`."""
    stale = conn.execute(
        r"""select format('loader.%%I', tablename)
            from (select tablename, substring(tablename from '^handover_(\d+)_')::int as pid
                  from pg_tables where schemaname = 'loader') handover
            where pid = %s or pid not in (select pid from pg_stat_activity)""",
        [pid]).fetchall()
    for (table,) in stale:
        conn.execute(f"drop table if exists {table}")


def _land(conn: psycopg.Connection, landing: LandingFile) -> Landed:
    """COPY the file into `pg_temp.landing`: split by COPY when it looks regular, else by line.

    A line with a misplaced comma makes the split COPY fail as a whole; the file is then landed
    again by line, where each row's problem can be named.
    """
    if landing.looks_regular:
        landed = Landed(landing.header, landing.header_line, by_column=True)
        try:
            with conn.transaction():
                _copy(conn, landing, landed)
            return landed
        except psycopg.errors.BadCopyFileFormat:
            pass
    landed = Landed(landing.header, landing.header_line, by_column=False)
    _copy(conn, landing, landed)
    return landed


def _copy(conn: psycopg.Connection, landing: LandingFile, landed: Landed) -> None:
    conn.execute(landed.ddl())
    with conn.cursor() as cursor:
        if landing.parsed_in_python:
            with cursor.copy(f"copy {LANDING_TABLE} (line_number, raw_line, fields) from stdin") as copy:
                for record in landing.records:
                    copy.write_row(record)
            return
        # By line, each physical line becomes one value: these delimiter and quote bytes never
        # occur in the data (reading.py sends files that contain them through Python instead).
        split = "" if landed.by_column else ", delimiter e'\\x1f', quote e'\\x1e'"
        options = f"format csv{split}, encoding '{landing.encoding}'"
        with cursor.copy(f"copy {LANDING_TABLE} ({landed.copy_columns()}) from stdin ({options})") as copy:
            data = memoryview(landing.data)
            for start in range(0, len(data), _COPY_CHUNK):
                copy.write(data[start:start + _COPY_CHUNK])


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
