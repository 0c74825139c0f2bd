"""What a benchmark run costs besides time: memory of the processes, disk, the servers' busy time.

Memory is sampled from /proc (psutil) in a background thread, as the proportional set size (PSS)
of two process trees: the database servers (each node's postmaster and its backends) and this
process with its children (the loader runs here, dbt in a child). PSS divides each shared page
among the processes mapping it, so the servers' shared buffers are counted once, not once per
backend as summed RSS would. Only servers on this machine can be sampled: the postmaster of each
node is found as the parent of a backend's process ID (pg_backend_pid()).
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import psutil
import psycopg
from psycopg.conninfo import make_conninfo

SAMPLE_SECONDS = 0.5
REAP_SECONDS = 0.2


def load_average() -> float:
    """The machine's 1-minute load average (other users of the shared cores show in it)."""
    return os.getloadavg()[0]


def directory_bytes(root: Path) -> int:
    """Bytes of the files under `root`."""
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def node_urls(url: str) -> list[str]:
    """The URL of `url`'s database on every node: the Citus coordinator and its workers when the
    citus extension is installed in it, else the server of `url` alone."""
    with psycopg.connect(url) as conn:
        if not conn.execute("select 1 from pg_extension where extname = 'citus'").fetchone():
            return [url]
        workers = conn.execute("select nodename, nodeport from pg_dist_node where noderole = 'primary' "
                               "and groupid <> 0 order by nodename, nodeport").fetchall()
    return [url, *(make_conninfo(url, host=host, port=str(port)) for host, port in workers)]


def database_bytes(url: str) -> int:
    """pg_database_size of `url`'s database summed over its nodes."""
    total = 0
    for node in node_urls(url):
        with psycopg.connect(node) as conn:
            total += conn.execute("select pg_database_size(current_database())").fetchone()[0]
    return total


def busy_seconds(url: str) -> list[float]:
    """Per node (coordinator first), the seconds its backends have spent executing statements in
    `url`'s database since the statistics were reset (pg_stat_database.active_time)."""
    seconds = []
    for node in node_urls(url):
        with psycopg.connect(node) as conn:
            conn.execute("select pg_stat_force_next_flush()")
            seconds.append(conn.execute("select active_time / 1000 from pg_stat_database "
                                        "where datname = current_database()").fetchone()[0])
    return seconds


def server_pids(url: str) -> list[int]:
    """The postmaster's process ID of each node of `url`, where that process runs on this machine."""
    pids = []
    for node in node_urls(url):
        with psycopg.connect(node) as conn:  # the backend lives, with its parent, while connected
            backend = conn.execute("select pg_backend_pid()").fetchone()[0]
            try:
                pids.append(psutil.Process(backend).ppid())
            except psutil.NoSuchProcess:  # a server on another machine (its process IDs are not ours)
                continue
    return pids


def cpu_seconds(servers: list[int]) -> float:
    """CPU seconds the servers' processes have used so far: each postmaster's own, its ended
    children's (which the kernel adds to the parent when it reaps them) and its live children's.
    The difference of two readings is the servers' CPU work in between. A backend whose client
    has just disconnected is waited for until it has ended and been reaped (at most a few
    seconds): until then its time is in neither count."""
    time.sleep(REAP_SECONDS)
    total = 0.0
    for pid in servers:
        try:
            postmaster = psutil.Process(pid)
            for _ in range(int(5 / REAP_SECONDS)):
                if not any(map(_zombie, postmaster.children())):
                    break
                time.sleep(REAP_SECONDS)
            times = postmaster.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
            children = postmaster.children()
        except psutil.NoSuchProcess:
            continue
        for child in children:
            try:
                times = child.cpu_times()
            except psutil.NoSuchProcess:  # ended between the two calls: counted at the next reading
                continue
            total += times.user + times.system
    return total


def _zombie(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def tree_bytes(root: int) -> int:
    """PSS of process `root` and its descendants (processes ending while sampled are left out)."""
    total = 0
    try:
        processes = [psutil.Process(root)]
        processes += processes[0].children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    for process in processes:
        try:
            total += process.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


@dataclass
class PeakMemory:
    """Peak PSS of the servers' and of this process's trees, per phase (`with peaks.phase(name)`)."""

    servers: list[int]
    peaks: dict[str, dict[str, int]] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        peak = self.peaks.setdefault(name, {"server": 0, "client": 0})
        stop = threading.Event()

        def sample() -> None:
            while True:
                peak["server"] = max(peak["server"], sum(tree_bytes(pid) for pid in self.servers))
                peak["client"] = max(peak["client"], tree_bytes(os.getpid()))
                if stop.wait(SAMPLE_SECONDS):
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            yield
        finally:
            stop.set()
            sampler.join()

    def overall(self) -> dict[str, int]:
        """The peaks over all phases."""
        return {side: max(peak[side] for peak in self.peaks.values()) for side in ("server", "client")}


def worker_shares(url: str, table: str = "raw.settlement") -> list[dict]:
    """Per Citus node holding shards (the coordinator holds the reference tables' too): the bytes
    of all its shards and the rows of `table` in its shards (0 where it holds none)."""
    with psycopg.connect(url) as conn:
        return [{"node": f"port {port}", "bytes": int(size), "rows": int(rows)}
                for host, port, size, rows in conn.execute("""
            select s.nodename, s.nodeport, sum(s.shard_size),
                   coalesce(sum(c.result::bigint) filter (where s.table_name = %(table)s::regclass), 0)
            from citus_shards as s
            left join run_command_on_shards(%(table)s, 'select count(*) from %%s') as c using (shardid)
            group by s.nodename, s.nodeport order by s.nodename, s.nodeport
        """, {"table": table}).fetchall()]


@dataclass
class StepCosts:
    """Per step of a run (`with costs.step(name)`; a name used twice adds up): the peak memory,
    the servers' CPU seconds and each node's busy seconds."""

    url: str
    servers: list[int]
    memory: PeakMemory
    cpu: dict[str, float] = field(default_factory=dict)
    busy: dict[str, list[float]] = field(default_factory=dict)

    @classmethod
    def of(cls, url: str) -> "StepCosts":
        servers = server_pids(url)
        return cls(url, servers, PeakMemory(servers))

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        cpu, busy = cpu_seconds(self.servers), busy_seconds(self.url)
        with self.memory.phase(name):
            yield
        cpu = cpu_seconds(self.servers) - cpu
        busy = [after - before for before, after in zip(busy, busy_seconds(self.url))]
        print(f"  {name}: server CPU {cpu:,.0f} s, busy per node {', '.join(f'{b:,.0f} s' for b in busy)}, "
              f"load average {load_average():.2f}")
        self.cpu[name] = self.cpu.get(name, 0.0) + cpu
        self.busy[name] = [a + b for a, b in zip(self.busy.get(name, [0.0] * len(busy)), busy)]
