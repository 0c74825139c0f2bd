"""Test fixtures: a real PostgreSQL server (embedded, or `$WAREHOUSE_URL`'s) and fresh databases.

Each test that needs a warehouse gets its own database on that server, and `WAREHOUSE_URL`
points at it for the code under test, so tests never see each other's data nor the
developer's `.yibao`.
"""

from __future__ import annotations

import os
import uuid
import warnings
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory) -> Path:
    """YIBAO_HOME (embedded server data, Dagster instance, secrets) in a temporary folder."""
    home = tmp_path_factory.mktemp("yibao-home")
    os.environ["YIBAO_HOME"] = str(home)
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    (home / "dagster").mkdir()
    (home / "dagster" / "dagster.yaml").touch()
    os.environ.setdefault("YIBAO_PSEUDONYM_KEY", "test-pseudonym-key")
    return home


@pytest.fixture(scope="session")
def server_url(isolated_home) -> str:
    """A URL of the test server: the caller's WAREHOUSE_URL, else the embedded server."""
    from orchestration import warehouse

    return os.environ.get("WAREHOUSE_URL") or warehouse.embedded_url()


@pytest.fixture
def warehouse_url(server_url, monkeypatch) -> str:
    """A new, empty database; WAREHOUSE_URL points at it for the duration of the test."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"create database {name}")
    url = make_conninfo(server_url, dbname=name)
    monkeypatch.setenv("WAREHOUSE_URL", url)
    yield url
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"drop database if exists {name} with (force)")


@pytest.fixture
def db(warehouse_url):
    """An autocommit connection to the test's database, with the loader's schemas."""
    from orchestration.raw_schema import ensure_schemas

    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        ensure_schemas(conn)
        yield conn


def database_name(url: str) -> str:
    return conninfo_to_dict(url)["dbname"]
