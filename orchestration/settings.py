"""Where every part of the warehouse lives, decided from the environment: the one place for both
profiles.

With nothing set (one analyst's machine) the warehouse is an embedded PostgreSQL, Dagster and
Superset keep their state in SQLite files under `$YIBAO_HOME`, Superset caches in its processes'
memory and the alerts are written to an outbox folder. The production profile (the bureau's
server, docs/deployment.md) sets `WAREHOUSE_URL`, `YIBAO_DAGSTER_STORAGE_URL`,
`SUPERSET_METADATA_URL`, `YIBAO_REDIS_URL` and, as it needs them, `YIBAO_LANDING`, `YIBAO_SMTP_*`
and `YIBAO_BIND_HOST`: the same code runs either way.

Only the standard library is imported here: Superset's configuration file, which runs in
Superset's own virtualenv, reads its settings from this module too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

def yibao_home() -> Path:
    """Where local state lives: the embedded server's data, Dagster's instance, secrets, logs."""
    return Path(os.environ.get("YIBAO_HOME", ".yibao")).resolve()


def configured_warehouse_url() -> str | None:
    """`$WAREHOUSE_URL`; None means the embedded server (orchestration.warehouse starts it)."""
    return os.environ.get("WAREHOUSE_URL") or None


def dagster_home() -> Path:
    """Dagster's instance folder (its dagster.yaml, and its SQLite storage unless a server's)."""
    return Path(os.environ.get("DAGSTER_HOME") or yibao_home() / "dagster")


def dagster_storage_url() -> str | None:
    """`$YIBAO_DAGSTER_STORAGE_URL`: a PostgreSQL database of Dagster's own for its runs, events,
    schedules and sensors' state (dagster-postgres), as an SQLAlchemy URL with the psycopg2
    driver, which dagster-postgres is written for; None: SQLite files in its instance folder."""
    url = os.environ.get("YIBAO_DAGSTER_STORAGE_URL") or None
    if url and not url.startswith("postgresql+psycopg2://"):
        raise ValueError("$YIBAO_DAGSTER_STORAGE_URL must start with postgresql+psycopg2:// (dagster-postgres "
                         "uses psycopg2)")
    return url


def dagster_instance() -> dict:
    """The dagster.yaml the project writes: telemetry off (no usage statistics leave a bureau's
    network, and no telemetry banner on the first run), storage per dagster_storage_url(). The
    URL is read by Dagster from the environment, so no password is written into the file."""
    instance: dict = {"telemetry": {"enabled": False}}
    if dagster_storage_url():
        instance["storage"] = {"postgres": {"postgres_url": {"env": "YIBAO_DAGSTER_STORAGE_URL"}}}
    return instance


def superset_home() -> Path:
    """Superset's local state: its SQLite metadata store (unless a server's) and bootstrap stamp."""
    return yibao_home() / "superset"


def superset_metadata_url() -> str:
    """Superset's metadata store (users, roles, charts) as an SQLAlchemy URL:
    `$SUPERSET_METADATA_URL` (e.g. `postgresql://superset:…@db/superset`), else SQLite."""
    return os.environ.get("SUPERSET_METADATA_URL") or (
        f"sqlite:///{superset_home()}/superset.db?check_same_thread=false")


def metadata_on_server() -> bool:
    return superset_metadata_url().startswith("postgresql")


def libpq_url(sqlalchemy_url: str) -> str:
    """An SQLAlchemy PostgreSQL URL (`postgresql+psycopg2://…`) as libpq and pg_dump take it."""
    parts = urlsplit(sqlalchemy_url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def redis_url() -> str | None:
    """`$YIBAO_REDIS_URL` (e.g. `redis://redis:6379/0`): Superset's caches of metadata, chart data
    and filter state, shared by its workers; None: each worker caches in its own memory."""
    return os.environ.get("YIBAO_REDIS_URL") or None


def bind_host() -> str:
    """The address the web servers listen on: `$YIBAO_BIND_HOST`, by default this machine only
    (a container sets 0.0.0.0 and publishes the port on 127.0.0.1 of its host)."""
    return os.environ.get("YIBAO_BIND_HOST", "127.0.0.1")


def superset_port() -> int:
    return int(os.environ.get("YIBAO_SUPERSET_PORT", "8088"))


def dagster_port() -> int:
    return int(os.environ.get("YIBAO_DAGSTER_PORT", "3000"))


def superset_workers() -> int:
    """gunicorn worker processes of Superset (`$SUPERSET_WORKERS`, 2): a dashboard asks for all its
    charts at once, and each worker serves several with its threads."""
    return int(os.environ.get("SUPERSET_WORKERS", "2"))


def landing_dir() -> Path:
    """The landing directory the sensor and the monthly schedule load: `$YIBAO_LANDING`, else
    `$YIBAO_HOME/landing` (where `make demo` generates it)."""
    return Path(os.environ.get("YIBAO_LANDING") or yibao_home() / "landing")


def superset_url() -> str:
    """Where readers reach Superset: `$YIBAO_SUPERSET_URL` (e.g. the bureau's host name), else the
    address `yibao serve` binds."""
    return os.environ.get("YIBAO_SUPERSET_URL", f"http://127.0.0.1:{superset_port()}").rstrip("/")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool

    @classmethod
    def from_environment(cls) -> SmtpSettings | None:
        """`YIBAO_SMTP_HOST` (required for SMTP), `YIBAO_SMTP_PORT` (25), `YIBAO_SMTP_USER` and
        `YIBAO_SMTP_PASSWORD` (login, optional), `YIBAO_SMTP_STARTTLS=1` (upgrade the connection);
        None: the alerts go to the outbox folder (outbox())."""
        host = os.environ.get("YIBAO_SMTP_HOST")
        if not host:
            return None
        return cls(host, int(os.environ.get("YIBAO_SMTP_PORT", "25")), os.environ.get("YIBAO_SMTP_USER"),
                   os.environ.get("YIBAO_SMTP_PASSWORD"), os.environ.get("YIBAO_SMTP_STARTTLS") == "1")


def outbox() -> Path:
    return yibao_home() / "outbox"


def describe() -> list[str]:
    """Where each part lives, for the operator (URLs are shown without their passwords)."""
    smtp = SmtpSettings.from_environment()
    embedded = f"embedded PostgreSQL under {yibao_home() / 'pgdata'}"
    return [
        f"warehouse:        {_safe(configured_warehouse_url()) or embedded}",
        f"Dagster instance: {_safe(dagster_storage_url()) or f'SQLite under {dagster_home()}'}",
        f"Superset store:   {_safe(superset_metadata_url())}",
        f"Superset cache:   {_safe(redis_url()) or 'in each worker'}",
        f"landing:          {landing_dir()}",
        f"alerts:           {f'smtp://{smtp.host}:{smtp.port}' if smtp else outbox()}",
    ]


def _safe(url: str | None) -> str | None:
    """`url` with its password masked."""
    if not url or "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))
