"""The warehouse's connections, the embedded server and the secrets.

`WAREHOUSE_URL` (a PostgreSQL URL, orchestration.settings) wins when set. Otherwise an embedded PostgreSQL 16 server from
the `pgserver` wheel is started on demand with its data under `$YIBAO_HOME/pgdata` (default
`./.yibao`); it keeps running after the process exits so the next command reuses it. dbt's
profile, Dagster's resources, the loader and the tests all get their connection from here.
"""

from __future__ import annotations

import os
import secrets
import signal
import tempfile
import time
from functools import cache
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from orchestration.settings import configured_warehouse_url, yibao_home

DATABASE = "yibao"

# Settings for bulk loading on a small machine; all can be changed without a restart. The local
# Citus cluster's nodes (orchestration/citus_cluster.py) get them too.
# deadlock_timeout: a statement waiting for a lock that autovacuum holds has it cancelled only
# after this wait; dbt's COMMENT or ALTER TABLE right after a large insert, which autovacuum
# starts to analyze, waited the default second (a second per large model in every build).
SERVER_SETTINGS = {
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "4GB",
    "synchronous_commit": "off",
    "jit": "off",
    "deadlock_timeout": "100ms",
}


def warehouse_url() -> str:
    """The warehouse's connection URL, starting the embedded server when needed."""
    return configured_warehouse_url() or embedded_url()


def embedded_url() -> str:
    """The embedded server's `yibao` database as the pipeline role (never its superuser)."""
    from orchestration.roles import PIPELINE_ROLE

    return make_conninfo(embedded_admin_url(), user=PIPELINE_ROLE)


@cache
def embedded_admin_url() -> str:
    """Start (or reuse) the embedded server, with its `yibao` database provisioned for the
    pipeline role; the URL of that database as the server's superuser, which only provisions
    databases (orchestration.roles.provision)."""
    import pgserver  # imported late: only the embedded default needs it

    from orchestration.roles import provision

    # Its mode is not forced: run as root, pgserver opens the path to its data to the server's
    # own system user. What is secret is in the subfolders, each 0700.
    yibao_home().mkdir(mode=0o700, parents=True, exist_ok=True)
    server = pgserver.get_server(yibao_home() / "pgdata", cleanup_mode=None)
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", [DATABASE]).fetchone():
            create_database(conn, DATABASE)
        _apply_settings(conn)
    provision(server.get_uri(DATABASE))
    return server.get_uri(DATABASE)


def prepare_database(admin_url: str, name: str, provisioned: bool) -> str:
    """Create database `name` on the server of `admin_url` (a role that may create databases:
    tests and benchmarks) and return the URL the pipeline uses for it. `provisioned` (the
    embedded server, whose superuser `admin_url` is): owned by the pipeline role, which the URL
    names; else `admin_url`'s own role on it."""
    from orchestration.roles import PIPELINE_ROLE, provision

    with psycopg.connect(admin_url, autocommit=True) as admin:
        create_database(admin, name)
    url = make_conninfo(admin_url, dbname=name)
    if not provisioned:
        return url
    provision(url)
    return make_conninfo(url, user=PIPELINE_ROLE)


def _apply_settings(admin: psycopg.Connection) -> None:
    """Set the SERVER_SETTINGS the server does not have yet (new ones reach old servers too)."""
    stale = {name: value for name, value in SERVER_SETTINGS.items()
             if admin.execute("select current_setting(%s)", [name]).fetchone()[0] != value}
    for name, value in stale.items():
        admin.execute(f"alter system set {name} = '{value}'")
    if stale:
        admin.execute("select pg_reload_conf()")


def create_database(admin: psycopg.Connection, name: str) -> None:
    """Create database `name` (on an autocommit connection) with the byte-order collation "C".

    Keys, codes and pseudonyms are compared, sorted and indexed on every load and build;
    PostgreSQL compares "C" text with memcmp, other collations through the C library, which
    costs a fifth of a settlement's insert into raw (its unique settlement_id index). For UTF-8
    text, byte order is code point order, the order C.UTF-8 gives too. The character classes
    (upper(), regular expressions) stay those of the server's default locale.
    """
    ctype = admin.execute("select datctype from pg_database where datname = 'template1'").fetchone()[0]
    admin.execute(f"create database {name} template template0 encoding 'UTF8' "
                  f"lc_collate 'C' lc_ctype '{ctype}'")


def embedded_pid() -> int | None:
    """The embedded server's postmaster process when it runs (from its postmaster.pid)."""
    pid_file = yibao_home() / "pgdata" / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid


def halt_embedded(timeout: float = 60) -> bool:
    """Stop the embedded server under YIBAO_HOME whichever process started it, with PostgreSQL's
    fast shutdown (SIGINT: sessions are ended, the data is written out); whether it was running."""
    if (pid := embedded_pid()) is None:
        return False
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while embedded_pid() == pid and time.monotonic() < deadline:
        time.sleep(0.2)
    embedded_admin_url.cache_clear()
    return True


def stop_embedded() -> None:
    """Stop the embedded server under YIBAO_HOME once no other process uses it (the tests'
    clean-up; the `yibao` command leaves it running for the next command)."""
    import pgserver

    server = pgserver.get_server(yibao_home() / "pgdata")
    server.cleanup_mode = "stop"
    server.cleanup()
    embedded_admin_url.cache_clear()


def connect(url: str | None = None, **kwargs) -> psycopg.Connection:
    """A psycopg connection to the warehouse (or to `url`)."""
    return psycopg.connect(url or warehouse_url(), **kwargs)


def table_exists(conn: psycopg.Connection, table: str) -> bool:
    """Whether `schema.table` exists (e.g. a mart before the first build)."""
    return conn.execute("select to_regclass(%s)", [table]).fetchone()[0] is not None


def connection_parts(url: str | None = None) -> dict[str, str]:
    """Host, port, user, password and database of a URL, as dbt's profile needs them."""
    parts = conninfo_to_dict(url or warehouse_url())
    return {
        "host": str(parts.get("host") or "localhost"),
        "port": str(parts.get("port") or 5432),
        "user": str(parts.get("user") or "postgres"),
        "password": str(parts.get("password") or ""),
        "dbname": str(parts.get("dbname") or "postgres"),
    }


def export_dbt_env(url: str | None = None) -> dict[str, str]:
    """Put the connection into the environment variables `dbt_project/profiles.yml` reads (the
    pseudonym key goes to dbt otherwise: orchestration.pseudonym)."""
    env = {f"YIBAO_PG_{key.upper()}": value for key, value in connection_parts(url).items()}
    os.environ.update(env)
    return env


def secret_path(name: str) -> Path:
    return yibao_home() / "secrets" / name


# Shorter secrets are refused, from the environment as from a file: a pseudonym key or a password
# of a few characters can be guessed; the generated ones have 43.
MIN_SECRET_LENGTH = 16


def stored_secret(env_var: str, name: str) -> str:
    """`$env_var` when set, else a random value generated once into $YIBAO_HOME/secrets/<name>
    (mode 0600 in a 0700 directory). An empty or short value is refused, never replaced: a
    new pseudonym key would silently change every person_key."""
    if (value := os.environ.get(env_var)) is not None:
        return _checked_secret(value, f"${env_var}")
    path = secret_path(name)
    private_dir(path.parent)
    if not path.exists():
        write_secret(path, secrets.token_urlsafe(32))
    path.chmod(0o600)
    return _checked_secret(path.read_text().strip(), str(path))


def _checked_secret(value: str, origin: str) -> str:
    if not value:
        raise ValueError(f"{origin} is empty: set it to a secret of at least {MIN_SECRET_LENGTH} characters")
    if len(value) < MIN_SECRET_LENGTH:
        raise ValueError(f"{origin} is shorter than {MIN_SECRET_LENGTH} characters: choose a longer secret")
    return value


def write_secret(path: Path, value: str) -> None:
    """Write `value` to a temporary file beside `path` (in an owner-only folder), on disk before
    it is linked to `path`: a crash leaves no empty or partial secret, and of two processes
    creating it at once the first link wins and both read the same value."""
    private_dir(path.parent)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as f:
            f.write(value)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return
        _fsync_dir(path.parent)
    finally:
        os.unlink(temporary)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def private_dir(path: Path) -> Path:
    """`path` as a directory only its owner can enter (0700), created when missing."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def open_private(path: Path, mode: str = "ab"):
    """Open a log or state file readable by its owner only (0600), in a 0700 directory."""
    private_dir(path.parent)
    f = open(path, mode, opener=lambda name, flags: os.open(name, flags, 0o600))
    os.chmod(path, 0o600)
    return f
