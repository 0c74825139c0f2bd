"""Test fixtures: a real PostgreSQL server (embedded, or `$WAREHOUSE_URL`'s) and fresh databases.

Each test that needs a warehouse gets its own database on that server, and `WAREHOUSE_URL`
points at it for the code under test, so tests never see each other's data nor the
developer's `.yibao`. On the embedded server the databases are provisioned as `yibao run`'s
is, and the code under test connects as the pipeline role, not as a superuser; on the caller's
server, as the caller's role.

Markers come from the fixtures a test uses, directly or through other fixtures (FIXTURE_MARKERS):
`make test-fast` leaves out what runs the pipeline, a browser or Superset, or Citus. Under
pytest-xdist (`make test` runs two workers), each worker has its own YIBAO_HOME, embedded server
and databases; a module's tests run on one worker, and so do the modules that read a warehouse
built once for the session (ONE_WORKER): the workers write each test's group into a file, from
which the controller's scheduler (a pytest-xdist loadscope whose scope is that group) reads it.
pytest-xdist's own xdist_group marker cannot do it under pytest 9.2, which ignores the node IDs
that marker rewrites.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import subprocess
import sys
import uuid
import warnings
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

SUMMARIES = pytest.StashKey[list[str]]()

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

ROOT = Path(__file__).resolve().parent.parent
CALLERS_SERVER = os.environ.get("WAREHOUSE_URL")
CHROMIUM = "/usr/bin/chromium"

# A test that uses one of these fixtures, directly or through the fixtures it uses, gets the marker.
FIXTURE_MARKERS = {
    "server_url": "db",  # a PostgreSQL server
    "pipeline": "pipeline",  # run_pipeline in process
    "yibao": "pipeline",  # the installed `yibao` command (its `run`)
    "chromium": "browser",  # Chromium: the browser tests, the bulletin's PDF
    "superset": "browser",  # a Superset server
    "citus_cluster": "citus",  # the local Citus cluster
}
SLOW_MARKERS = {"pipeline", "browser", "citus"}

# Under pytest-xdist, the tests of a module run on one worker, which builds the module's warehouses
# once; so do the modules with a test that uses one of these session fixtures, as one group of the
# name given (the Citus tests compare with the demo warehouse, and a second cluster would double
# their memory). A whole module, because a test may get such a fixture through getfixturevalue.
ONE_WORKER = {"demo_warehouse": "demo", "citus_cluster": "demo", "generated_warehouse": "generated",
              "marts_warehouse": "marts"}


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


@contextmanager
def exclusive(lock_file: Path):
    """Hold an exclusive lock on `lock_file` (made when missing) across processes."""
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session", autouse=True)
def parsed_dbt_project(tmp_path_factory) -> None:
    """Under pytest-xdist, the dbt manifest parsed by one worker before any imports the Dagster
    definitions: workers parsing at once read each other's half-written manifest."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return  # run_pipeline and the tests parse when the manifest is stale
    from orchestration.dbt_project import ensure_manifest

    # dbt parse connects nowhere: a URL that starts no embedded server is enough for the profile.
    with exclusive(tmp_path_factory.getbasetemp().parent / "dbt-parse.lock"), \
            patch.dict(os.environ, {"WAREHOUSE_URL": "host=localhost dbname=parse user=parse"}):
        ensure_manifest()


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


@pytest.fixture(scope="session")
def pipeline(server_url):
    """`pipeline(url, landing_dir, **options)`: `run_pipeline` (options: full_refresh, bulletin)
    into the warehouse `url`, with WAREHOUSE_URL pointing at it for the run only; the outcome."""
    from orchestration.pipeline import run_pipeline

    def run(url: str, landing_dir: Path, **options):
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("WAREHOUSE_URL", url)
            # run_pipeline sets these for Dagster and dbt; restore them after the run.
            for name in ("YIBAO_LANDING", *(f"YIBAO_PG_{part}" for part in
                                            ("HOST", "PORT", "USER", "PASSWORD", "DBNAME"))):
                mp.delenv(name, raising=False)
            return run_pipeline(landing_dir, **options)

    return run


class Yibao:
    """The installed `yibao` command in a subprocess, with this process's environment."""

    executable = str(Path(sys.executable).with_name("yibao"))

    def __call__(self, *args: str, env: dict[str, str] | None = None, timeout: float = 900
                 ) -> subprocess.CompletedProcess:
        return subprocess.run([self.executable, *args], capture_output=True, text=True, timeout=timeout, env=env)

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([self.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="session")
def yibao(server_url) -> Yibao:
    """`yibao(*args)`: the installed command (`yibao run` loads and builds: marked `pipeline`)."""
    return Yibao()


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, which the bulletin's PDF and the browser tests need (make browser)."""
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: make browser"
    return CHROMIUM


@pytest.fixture(scope="module")
def built_warehouse(server_url, pipeline):
    """Once per module: `built_warehouse(landing_dir)` runs the whole pipeline into a new database.

    It fails unless the run succeeded and returns an autocommit connection to the built
    warehouse. A pipeline run takes seconds: build each landing directory once per module and
    let its tests share the result (or once per session: demo_warehouse, generated_warehouse).
    """
    urls, connections = [], []

    def build(landing_dir: Path) -> psycopg.Connection:
        urls.append(create_database(server_url))
        outcome = pipeline(urls[-1], landing_dir)
        assert outcome.success, "pipeline failed:\n" + "\n".join(outcome.errors)
        connections.append(psycopg.connect(urls[-1], autocommit=True))
        return connections[-1]

    yield build
    for conn in connections:
        conn.close()
    for url in urls:
        drop_database(server_url, url)


def clone_database(server_url: str, url: str) -> str:
    """A copy of the warehouse `url` (PostgreSQL's template copy, which takes a moment where a
    pipeline run takes many), provisioned as a new database is; the URL the pipeline uses for it.
    Sessions still connected to `url` are ended first: a template must have none."""
    from orchestration.roles import PIPELINE_ROLE, provision

    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s "
                      "and pid <> pg_backend_pid()", [database_name(url)])
        admin.execute(f"create database {name} template {database_name(url)}")
    clone = make_conninfo(server_url, dbname=name)
    if CALLERS_SERVER:
        return clone
    provision(clone)
    return make_conninfo(clone, user=PIPELINE_ROLE)


@pytest.fixture
def cloned_warehouse(server_url, monkeypatch):
    """`cloned_warehouse(url)`: a copy of the warehouse `url` for a test that changes it;
    WAREHOUSE_URL points at the copy for the rest of the test, which is dropped after it."""
    clones = []

    def clone(url: str) -> str:
        clones.append(clone_database(server_url, url))
        monkeypatch.setenv("WAREHOUSE_URL", clones[-1])
        return clones[-1]

    yield clone
    for url in clones:
        drop_database(server_url, url)


DEMO = {"persons": 2000, "months": 8, "start": "2024-11"}


@pytest.fixture(scope="session")
def demo_landing(tmp_path_factory, yibao) -> Path:
    """A generated landing directory of the demo's shape (`yibao generate`): eight months."""
    out = tmp_path_factory.mktemp("demo") / "landing"
    result = yibao("generate", "--out", str(out), *(f"--{option}={value}" for option, value in DEMO.items()))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def demo_warehouse(server_url, demo_landing, yibao):
    """The demo landing loaded and built once for the session by `yibao run`: (the pipeline's URL,
    the run's completed process). Tests read it; a test that changes it works on a copy
    (cloned_warehouse)."""
    url = create_database(server_url)
    result = yibao("run", "--landing", str(demo_landing), env={**os.environ, "WAREHOUSE_URL": url})
    assert result.returncode == 0, result.stdout + result.stderr
    yield url, result
    drop_database(server_url, url)


@pytest.fixture(scope="session")
def marts_warehouse(server_url, pipeline, tmp_path_factory):
    """tests/marts_landing.py's hand-made landing built once for the session: (the pipeline's URL,
    the landing directory). Tests read them; a test that changes them works on copies."""
    from tests.marts_landing import write_marts_landing

    landing = write_marts_landing(tmp_path_factory.mktemp("marts") / "landing")
    url = create_database(server_url)
    outcome = pipeline(url, landing)
    assert outcome.success, outcome.errors
    yield url, landing
    drop_database(server_url, url)


# Two years of generated data, with every list full: the bulletin's half-years (2025-H2 against
# 2024-H2) and enough persons that each screening rule's injected cases come every year.
GENERATED = {"seed": 20240101, "start": "2024-01", "months": 24, "persons": 5000}


def _append_rows(path: Path, rows: list[dict]) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        columns = next(csv.reader(f))
    with path.open("a", encoding="utf-8", newline="") as f:
        csv.DictWriter(f, columns, lineterminator="\n").writerows(rows)


@pytest.fixture(scope="session")
def generated_landing(tmp_path_factory) -> Path:
    """GENERATED's landing directory (its ground truth in _ground_truth/), with rows to quarantine
    in 2025-H2: two settlements of an unknown institution and a fund flow of an unknown county
    (which also fails the warning check on the share of rows quarantined)."""
    from orchestration.generator import generate

    root = tmp_path_factory.mktemp("generated") / "landing"
    generate(root, **GENERATED)
    august = root / "settlement" / "2025-08.csv"
    with august.open(encoding="utf-8", newline="") as f:
        template = next(csv.DictReader(f))
    _append_rows(august, [{**template, "settlement_id": f"BAD{i}", "institution_code": "NO_SUCH_INSTITUTION"}
                          for i in range(2)])
    _append_rows(root / "fund_flows" / "2025-09.csv",
                 [{"month": "2025-09", "fund_code": "employee_pooled", "county_code": "999999",
                   "direction": "income", "item": "interest", "amount": "1.00"}])
    return root


@pytest.fixture(scope="session")
def generated_warehouse(server_url, pipeline, chromium, generated_landing):
    """The generated landing built once for the session as `yibao run` builds it, bulletin
    included (its links to a Superset at http://bureau.example:8088): (the pipeline's URL, the
    run's outcome). Tests read it and leave it as they found it."""
    url = create_database(server_url)
    with patch.dict(os.environ, {"YIBAO_SUPERSET_URL": "http://bureau.example:8088"}):
        outcome = pipeline(url, generated_landing, bulletin=True)
    yield url, outcome
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
    """Mark each test from the fixtures it uses (FIXTURE_MARKERS); tests marked `citus` are
    skipped, saying why, where Citus is not installed. The groups (worker_groups) that run the
    pipeline, a browser or Citus come first: the workers share them out while the quick tests
    remain to even up the end. In a pytest-xdist worker, write each test's group for the
    controller's scheduler."""
    from orchestration.citus_cluster import citus_installed

    skip_citus = None if citus_installed() else pytest.mark.skip(reason="Citus is not installed (make citus)")
    for item in items:
        for marker in sorted({FIXTURE_MARKERS[name] for name in fixtures_used(item) & FIXTURE_MARKERS.keys()}):
            item.add_marker(marker)
        if skip_citus and "citus" in item.keywords:
            item.add_marker(skip_citus)
    groups = worker_groups(items)
    slow = {groups[item.nodeid] for item in items if SLOW_MARKERS & set(item.keywords)}
    items.sort(key=lambda item: groups[item.nodeid] not in slow)  # stable: each group's order kept
    if os.environ.get("PYTEST_XDIST_WORKER"):
        written = groups_file(config).with_suffix(f".{os.environ['PYTEST_XDIST_WORKER']}")
        written.write_text(json.dumps(groups))
        written.replace(groups_file(config))  # whole, whichever worker writes last (they agree)


def fixtures_used(item) -> set[str]:
    return set(getattr(item, "fixturenames", ()))  # the closure: fixtures of fixtures too


def worker_groups(items) -> dict[str, str]:
    """Each test's group, the tests a worker runs together: its module's, which is ONE_WORKER's
    when a test of the module uses such a fixture, else the module's name."""
    modules = {}
    for item in items:
        module = item.module.__name__
        if shared := next((ONE_WORKER[name] for name in ONE_WORKER if name in fixtures_used(item)), None):
            modules[module] = shared
        else:
            modules.setdefault(module, module)
    return {item.nodeid: modules[item.module.__name__] for item in items}


def groups_file(config) -> Path:
    """Where the workers leave each test's group: in the controller's base temporary folder,
    which holds the workers' own."""
    basetemp = config._tmp_path_factory.getbasetemp()
    return (basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp) / "xdist-groups.json"


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's loadscope scheduling with the tests' groups as scopes: each group goes
    whole to one worker (the workers have collected, and written the groups, before it asks).
    The groups are handed out in the order collected (slow groups first), not by their number of
    tests (loadscope's default), which left single long tests to the end."""
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if not hasattr(self, "groups"):
                self.groups = json.loads(groups_file(config).read_text())
            return self.groups[nodeid]

    return GroupScheduling(config, log)


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
