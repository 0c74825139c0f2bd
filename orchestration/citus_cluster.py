"""A local Citus cluster: a coordinator and two workers as PostgreSQL 15 processes.

For the tests (pytest marker `citus`), the benchmarks and a developer trying the warehouse on
Citus (`python -m orchestration.citus_cluster`); a real deployment runs Citus's own packages or
image on separate machines (docs/citus.md). Citus comes from `make citus`, built against
Debian's PostgreSQL 15.

The nodes listen on unix sockets only, in the cluster's own folder, which is also the host
name under which the coordinator reaches the workers: nothing is exposed on a network port, and
clusters of several test sessions on one machine cannot collide. Authentication is `trust`, as
for the embedded server: the socket folder is readable by the server's user only. PostgreSQL
refuses to run as root, so as root the servers run as Debian's `postgres` system user.

Citus keeps its metadata per database: `create_database` creates the database on every node,
the extension in each, and registers the nodes in the coordinator's copy.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import psycopg

from orchestration import warehouse

# Where `make citus` builds and installs (the Makefile's PG15_CONFIG and CITUS_LIB).
PG_BIN = Path("/usr/lib/postgresql/15/bin")
CITUS_LIB = Path("/usr/lib/postgresql/15/lib/citus.so")

SERVER_USER = "postgres"  # the system user running the servers when started as root
DATABASE_USER = "postgres"
NODE_NAMES = ("coordinator", "worker1", "worker2")
FIRST_PORT = 5432  # ports only name the sockets in the cluster's folder

CITUS_SETTINGS = {
    "shared_preload_libraries": "citus",
    "listen_addresses": "",  # unix sockets only
    # Citus commits a transaction that wrote on several nodes with two-phase commit.
    "max_prepared_transactions": "100",
    # Shards per distributed table: a few per worker. Citus's default (32) multiplies every DDL
    # statement and small query by 32 tasks, which on two local workers only adds overhead.
    "citus.shard_count": "8",
}


def citus_installed() -> bool:
    """Whether PostgreSQL 15 and the Citus extension are installed (`make citus`)."""
    return (PG_BIN / "postgres").exists() and CITUS_LIB.exists()


@dataclass(frozen=True)
class Node:
    name: str
    port: int


@dataclass
class CitusCluster:
    """A started cluster under `root` (data folders, logs and sockets)."""

    root: Path
    nodes: tuple[Node, ...]

    @property
    def coordinator(self) -> Node:
        return self.nodes[0]

    @property
    def workers(self) -> tuple[Node, ...]:
        return self.nodes[1:]

    def url(self, database: str = "postgres", node: Node | None = None) -> str:
        """URL of `database` on `node` (default: the coordinator, where clients connect)."""
        node = node or self.coordinator
        return (f"postgresql://{DATABASE_USER}@/{database}"
                f"?host={quote(str(self.root), safe='')}&port={node.port}")

    def create_database(self, name: str) -> str:
        """Create database `name` on every node with Citus in it and the workers registered;
        returns its URL on the coordinator."""
        for node in self.nodes:
            with psycopg.connect(self.url(node=node), autocommit=True) as admin:
                warehouse.create_database(admin, name)
            with psycopg.connect(self.url(name, node), autocommit=True) as conn:
                conn.execute("create extension citus")
        with psycopg.connect(self.url(name), autocommit=True) as conn:
            conn.execute("select citus_set_coordinator_host(%s, %s)", [str(self.root), self.coordinator.port])
            for worker in self.workers:
                conn.execute("select citus_add_node(%s, %s)", [str(self.root), worker.port])
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop database `name` on every node, coordinator first (its connections to the
        workers' copies close with it)."""
        for node in self.nodes:
            with psycopg.connect(self.url(node=node), autocommit=True) as admin:
                admin.execute(f'drop database if exists "{name}" with (force)')

    def stop(self) -> None:
        """Stop every node and delete the cluster's folder."""
        for node in self.nodes:
            if (self.root / node.name / "postmaster.pid").exists():
                _pg_ctl(self.root / node.name, "stop", "-m", "fast")
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster(root: Path | None = None) -> CitusCluster:
    """initdb and start a coordinator and two workers in `root` (default: a new temporary
    folder), which must not hold a cluster yet."""
    if not citus_installed():
        raise RuntimeError(f"Citus is not installed ({CITUS_LIB} missing): run `make citus`")
    root = Path(root or tempfile.mkdtemp(prefix="yibao-citus-"))
    root.mkdir(parents=True, exist_ok=True)
    _give_to_server_user(root)
    cluster = CitusCluster(root, tuple(Node(name, FIRST_PORT + i) for i, name in enumerate(NODE_NAMES)))
    try:
        for node in cluster.nodes:
            _init_node(root, node)
            _pg_ctl(root / node.name, "start", "-w", "-t", "60", "-l", str(root / f"{node.name}.log"))
    except BaseException:
        cluster.stop()
        raise
    return cluster


@contextmanager
def running_cluster(root: Path | None = None) -> Iterator[CitusCluster]:
    """A started cluster, stopped and deleted on exit."""
    cluster = start_cluster(root)
    try:
        yield cluster
    finally:
        cluster.stop()


def _init_node(root: Path, node: Node) -> None:
    data = root / node.name
    _run([str(PG_BIN / "initdb"), "-D", str(data), "-U", DATABASE_USER, "--auth=trust",
          "--encoding=UTF8", "--locale=C.UTF-8"])
    settings = {**warehouse.SERVER_SETTINGS, **CITUS_SETTINGS, "port": str(node.port),
                "unix_socket_directories": str(root)}
    with (data / "postgresql.conf").open("a") as conf:
        conf.write("\n# orchestration/citus_cluster.py\n")
        conf.writelines(f"{name} = '{value}'\n" for name, value in settings.items())


def _pg_ctl(data: Path, *args: str) -> None:
    _run([str(PG_BIN / "pg_ctl"), "-D", str(data), *args])


def _server_user() -> pwd.struct_passwd | None:
    """The system user to run the servers as: `postgres` when root, else nobody else (None)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise RuntimeError(f"no system user {SERVER_USER!r} to run PostgreSQL as (it comes with "
                           "Debian's postgresql-15: `make citus`)") from None


def _give_to_server_user(root: Path) -> None:
    if user := _server_user():
        os.chown(root, user.pw_uid, user.pw_gid)
        root.chmod(0o700)


def _run(command: list[str]) -> None:
    """Run a PostgreSQL program as the server's user; its output only when it fails."""
    user = _server_user()
    as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []} if user else {}
    result = subprocess.run(command, capture_output=True, text=True, cwd="/", **as_user)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Start a cluster with a database, print its URL and keep it until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--dir", type=Path, help="folder for the cluster (default: a new temporary one)")
    parser.add_argument("--database", default="yibao")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)
    with running_cluster(args.dir) as cluster:
        print(f"WAREHOUSE_URL='{cluster.create_database(args.database)}'", flush=True)
        print("Citus coordinator and two workers running; Ctrl-C stops them and deletes "
              f"{cluster.root}", flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
