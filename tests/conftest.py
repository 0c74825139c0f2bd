"""Test fixtures: a real PostgreSQL server (embedded, or `$WAREHOUSE_URL`'s) and fresh databases.

Each test that needs a warehouse gets its own database on that server, and `WAREHOUSE_URL`
points at it for the code under test, so tests never see each other's data nor the
developer's `.yibao`. On the embedded server the databases are provisioned as `yibao run`'s
is, and the code under test connects as the pipeline role, not as a superuser; on the caller's
server, as the caller's role.
"""

from __future__ import annotations

import os
import uuid
import warnings
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

SUMMARIES = pytest.StashKey[list[str]]()

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

ROOT = Path(__file__).resolve().parent.parent
CALLERS_SERVER = os.environ.get("WAREHOUSE_URL")


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
    """A URL of the test server that may create databases: the caller's WAREHOUSE_URL, else the
    embedded server's superuser (the server is stopped after the session)."""
    from orchestration import warehouse

    if CALLERS_SERVER:
        yield CALLERS_SERVER
        return
    yield warehouse.embedded_admin_url()
    warehouse.stop_embedded()


def create_database(server_url: str) -> str:
    """A new, empty database on the test server; returns the URL the pipeline uses for it."""
    from orchestration.warehouse import prepare_database

    return prepare_database(server_url, f"test_{uuid.uuid4().hex[:12]}", provisioned=not CALLERS_SERVER)


def drop_database(server_url: str, url: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"drop database if exists {database_name(url)} with (force)")


@pytest.fixture
def warehouse_url(server_url, monkeypatch) -> str:
    """A new, empty database; WAREHOUSE_URL points at it for the duration of the test."""
    url = create_database(server_url)
    monkeypatch.setenv("WAREHOUSE_URL", url)
    yield url
    drop_database(server_url, url)


@pytest.fixture(scope="module")
def built_warehouse(server_url):
    """Once per module: `built_warehouse(landing_dir)` runs the whole pipeline into a new database.

    It creates a database, points WAREHOUSE_URL at it for the run only, runs `run_pipeline`
    (loader and `dbt build`), fails unless the run succeeded and returns an autocommit
    connection to the built warehouse. A pipeline run takes seconds: build each landing
    directory once per module and let its tests share the result.
    """
    from orchestration.pipeline import run_pipeline

    urls, connections = [], []

    def build(landing_dir: Path) -> psycopg.Connection:
        url = create_database(server_url)
        urls.append(url)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("WAREHOUSE_URL", url)
            # run_pipeline sets these for Dagster and dbt; restore them after the run.
            for name in ("YIBAO_LANDING", *(f"YIBAO_PG_{part}" for part in
                                            ("HOST", "PORT", "USER", "PASSWORD", "DBNAME"))):
                mp.delenv(name, raising=False)
            outcome = run_pipeline(landing_dir)
        assert outcome.success, "pipeline failed:\n" + "\n".join(outcome.errors)
        connections.append(psycopg.connect(url, autocommit=True))
        return connections[-1]

    yield build
    for conn in connections:
        conn.close()
    for url in urls:
        drop_database(server_url, url)


@pytest.fixture
def db(warehouse_url):
    """An autocommit connection to the test's database, with the loader's schemas."""
    from orchestration.raw_schema import ensure_schemas

    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        ensure_schemas(conn)
        yield conn


def database_name(url: str) -> str:
    return conninfo_to_dict(url)["dbname"]


def pytest_collection_modifyitems(config, items):
    """Tests marked `citus` are skipped, saying why, where Citus is not installed."""
    from orchestration.citus_cluster import citus_installed

    if citus_installed():
        return
    skip = pytest.mark.skip(reason="Citus is not installed (make citus)")
    for item in items:
        if "citus" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def citus_cluster():
    """A Citus coordinator and two workers for the session, stopped and deleted after it."""
    from orchestration.citus_cluster import running_cluster

    with running_cluster() as cluster:
        yield cluster


@pytest.fixture
def citus_warehouse_url(citus_cluster, monkeypatch) -> str:
    """A new database on the Citus cluster; WAREHOUSE_URL points at its coordinator for the
    duration of the test."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    url = citus_cluster.create_database(name)
    monkeypatch.setenv("WAREHOUSE_URL", url)
    yield url
    citus_cluster.drop_database(name)


@pytest.fixture
def record_summary(request):
    """`record_summary(text)`: print `text` in the terminal summary of the session (figures a
    test measures, such as the screening rules' recall and precision, shown without `-s`)."""
    return request.config.stash.setdefault(SUMMARIES, []).append


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for text in config.stash.get(SUMMARIES, []):
        terminalreporter.write_sep("-", "measured")
        terminalreporter.write_line(text)
