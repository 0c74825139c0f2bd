"""One run at a time on a warehouse: the advisory lock that `yibao run` and the Dagster daemon's
runs hold while they load and build."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from orchestration.warehouse import connect

RUN_LOCK = "yibao.run"  # the key of the advisory lock held for a run (hashtext of it)
_held = False  # whether this process holds it


@contextmanager
def exclusive_run() -> Iterator[None]:
    """Hold the warehouse's run lock for the block: a session-level advisory lock, so that a
    second `yibao run` on the same warehouse waits, saying for which run, until the first one
    ends (or dies: its session ends with it). Two runs loading at once could each take the
    other's month for one already loaded, or load a month's fund flows twice.

    Re-entrant within a process: `yibao run` holds it around its in-process Dagster run, whose
    steps take it again (through RunLockResource), as the daemon's runs do."""
    global _held
    if _held:
        yield
        return
    name = f"yibao run (pid {os.getpid()} on {socket.gethostname()})"
    with connect(autocommit=True, application_name=name) as conn:
        if not conn.execute("select pg_try_advisory_lock(hashtext(%s))", [RUN_LOCK]).fetchone()[0]:
            holder = conn.execute(
                """select string_agg(format('%s, started %s', a.application_name,
                                            to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS')), '; ')
                   from pg_stat_activity a join pg_locks l on l.pid = a.pid
                   where l.locktype = 'advisory' and l.granted and a.application_name like 'yibao run %'""",
            ).fetchone()[0]
            print(f"yibao: another run is using this warehouse ({holder or 'just ended'}); waiting for it to end",
                  file=sys.stderr, flush=True)
            conn.execute("select pg_advisory_lock(hashtext(%s))", [RUN_LOCK])
        _held = True
        try:
            yield
        finally:
            _held = False
