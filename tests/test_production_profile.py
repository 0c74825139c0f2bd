"""The production profile on this machine, without containers: the warehouse, Dagster's instance
and Superset's metadata store in databases of one PostgreSQL server, Superset's cache in Debian's
redis-server, and the real commands: `yibao run`, `yibao serve` (Superset under gunicorn, the
Dagster UI and daemon), `yibao backup` and `yibao restore`. The profile is brought up once for
the module; a screenshot of a dashboard with Superset's menus in Chinese is saved to
test-output/production/.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import requests
import yaml
from playwright.sync_api import sync_playwright
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from dashboards.server import free_port
from orchestration.generator import generate
from orchestration.quality.gx_context import sqlalchemy_url
from orchestration.settings import libpq_url
from orchestration.warehouse import prepare_database
from tests.conftest import CALLERS_SERVER, CHROMIUM, database_name, drop_database
from tests.mart_snapshot import snapshot
from tests.test_dashboards import CHROMIUM_FLAGS, DASHBOARDS, EVENT_LOG, render_dashboard

ROOT = Path(__file__).resolve().parent.parent
YIBAO = str(Path(sys.executable).with_name("yibao"))
ADMIN_PASSWORD = "test-" + uuid.uuid4().hex


@dataclass
class Profile:
    env: dict[str, str]  # the environment every `yibao` command of the profile runs in
    home: Path
    landing: Path
    admin_url: str  # the server's role that creates databases
    databases: dict[str, str]  # warehouse / dagster / superset -> database name
    redis_port: int
    first_run: subprocess.CompletedProcess | None = None  # `yibao run`'s, when the profile was set up

    def url(self, part: str) -> str:
        """A part's database as libpq takes it, as the pipeline's role."""
        return self.env["WAREHOUSE_URL"] if part == "warehouse" else libpq(self.env, part)

    def yibao(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        done = subprocess.run([YIBAO, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"yibao {args[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done


def libpq(env: dict[str, str], part: str) -> str:
    variable = {"dagster": "YIBAO_DAGSTER_STORAGE_URL", "superset": "SUPERSET_METADATA_URL"}[part]
    return libpq_url(env[variable])


def create_databases(admin_url: str) -> dict[str, str]:
    """The warehouse (provisioned as `yibao run`'s is) and Dagster's and Superset's own databases,
    owned by the warehouse's role; part -> the pipeline's connection string."""
    suffix = uuid.uuid4().hex[:10]
    warehouse = prepare_database(admin_url, f"prod_wh_{suffix}", provisioned=not CALLERS_SERVER)
    owner = conninfo_to_dict(warehouse)["user"]
    urls = {"warehouse": warehouse}
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for part in ("dagster", "superset"):
            admin.execute(f"create database prod_{part}_{suffix} owner {owner}")
            urls[part] = make_conninfo(warehouse, dbname=f"prod_{part}_{suffix}")
    return urls


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    """Debian's redis-server on a free port, nothing persisted; its port."""
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while _redis(port, "ping") != "PONG":
        assert time.monotonic() < deadline and process.poll() is None, "redis-server did not start"
        time.sleep(0.2)
    yield port
    process.terminate()
    process.wait()


def _redis(port: int, *command: str) -> str:
    done = subprocess.run(["redis-cli", "-p", str(port), *command], capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def profile(server_url, redis, tmp_path_factory, yibao, chromium) -> Profile:
    """The profile's environment, its databases created, a small landing generated and loaded
    by `yibao run` (its own environment, not the `yibao` fixture's; that and `chromium` mark the
    module's tests `pipeline` and `browser`)."""
    home = tmp_path_factory.mktemp("production-home")
    landing = home.parent / "production-landing"
    generate(landing, seed=7, start="2024-11", months=4, persons=500)
    urls = create_databases(server_url)
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("YIBAO_", "SUPERSET_", "DAGSTER_", "WAREHOUSE_"))}
    env.update({
        "YIBAO_HOME": str(home),
        "YIBAO_PSEUDONYM_KEY": os.environ["YIBAO_PSEUDONYM_KEY"],
        "WAREHOUSE_URL": urls["warehouse"],
        "YIBAO_DAGSTER_STORAGE_URL": sqlalchemy_url(urls["dagster"]),
        "SUPERSET_METADATA_URL": sqlalchemy_url(urls["superset"]),
        "YIBAO_REDIS_URL": f"redis://127.0.0.1:{redis}/0",
        "YIBAO_LANDING": str(landing),
        "YIBAO_SUPERSET_PORT": str(free_port()),
        "YIBAO_DAGSTER_PORT": str(free_port()),
        "SUPERSET_ADMIN_PASSWORD": ADMIN_PASSWORD,
    })
    profile = Profile(env, home, landing, server_url, {part: database_name(url) for part, url in urls.items()}, redis)
    profile.first_run = profile.yibao("run", "--landing", str(landing))
    yield profile
    for url in urls.values():
        drop_database(server_url, url)


@pytest.fixture(scope="module")
def served(profile):
    """`yibao serve` of the profile, until the test that stops it; its process and printed lines."""
    process = subprocess.Popen([YIBAO, "serve"], env=profile.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "Press Ctrl-C" in line:
            break
    assert process.poll() is None, "yibao serve stopped:\n" + "".join(lines)
    yield process, lines
    if process.poll() is None:  # SIGTERM, as a service manager stops it: its servers stop with it
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def test_the_run_went_into_the_profiles_dagster_instance_without_telemetry(profile):
    run_output = profile.first_run.stdout + profile.first_run.stderr
    assert "Marts built:" in run_output and "telemetry" not in run_output.lower()
    instance = yaml.safe_load((profile.home / "dagster" / "dagster.yaml").read_text())
    assert instance["telemetry"] == {"enabled": False}
    assert instance["storage"] == {"postgres": {"postgres_url": {"env": "YIBAO_DAGSTER_STORAGE_URL"}}}  # no password
    with psycopg.connect(profile.url("dagster")) as dagster:
        jobs = dagster.execute("select pipeline_name, status from runs").fetchall()
    assert jobs.count(("load_and_build", "SUCCESS")) == 1
    assert not list((profile.home / "dagster").glob("**/*.db"))  # no SQLite storage beside it


def test_the_profile_serves_every_dashboard_in_chinese(profile, served):
    process, lines = served
    env = profile.env
    superset = f"http://127.0.0.1:{env['YIBAO_SUPERSET_PORT']}"
    dagster = f"http://127.0.0.1:{env['YIBAO_DAGSTER_PORT']}"
    assert any(superset + "/dashboard/list/" in line for line in lines)

    # The Dagster UI lists the run that `yibao run` recorded in PostgreSQL; the daemon beats there.
    answer = requests.post(f"{dagster}/graphql", json={"query": "{ runsOrError { ... on Runs { results { runId } } } }"},
                           timeout=30).json()
    shown = {run["runId"] for run in answer["data"]["runsOrError"]["results"]}
    with psycopg.connect(profile.url("dagster")) as conn:  # the daemon may have launched more since
        recorded = [run for (run,) in conn.execute("select run_id from runs order by create_timestamp")]
    assert recorded[0] in shown <= set(recorded)  # yibao run's, the first, among them
    assert _eventually(lambda: _count(profile.url("dagster"), "select count(*) from daemon_heartbeats") > 0)

    # Superset's users live in its PostgreSQL store.
    assert ("admin",) in _rows(profile.url("superset"), "select username from ab_user")

    folder = ROOT / "test-output" / "production"
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.route(EVENT_LOG, lambda route: route.abort())  # as tests/test_dashboards.py's login
        page.goto(f"{superset}/login/")
        page.fill('[data-test="username-input"]', "admin")
        page.fill('[data-test="password-input"]', ADMIN_PASSWORD)
        page.click('[data-test="login-button"]')
        page.wait_for_url(re.compile(r".*/dashboard/list/.*"))  # the landing page is the dashboard list
        page.unroute(EVENT_LOG)
        page.get_by_role("menuitem").first.wait_for()
        menu = " ".join(page.get_by_role("menuitem").all_inner_texts())
        assert "看板" in menu and "图表" in menu and "Charts" not in menu  # Superset's own Chinese
        page.screenshot(path=folder / "dashboard-list.png")
        for dashboard in DASHBOARDS:
            charts = render_dashboard(page, f"{superset}/superset/dashboard/{dashboard['slug']}/",
                                      folder / f"{dashboard['slug']}.png")
            assert charts and {name: shown.error for name, shown in charts.items() if shown.error} == {}
        page.goto(f"{superset}/lang/en")  # English stays selectable
        page.goto(f"{superset}/dashboard/list/")
        page.get_by_role("menuitem").first.wait_for()
        assert "Dashboards" in " ".join(page.get_by_role("menuitem").all_inner_texts())
        browser.close()

    # The workers share Redis: the charts' data is cached there.
    assert re.search(r"superset_data_", _redis(profile.redis_port, "--scan", "--pattern", "superset_*"))

    os.killpg(process.pid, signal.SIGTERM)  # as a service manager stops it
    assert process.wait(timeout=60) == 0
    for url in (superset + "/health", dagster + "/server_info"):
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=5)


def test_back_up_destroy_restore(profile, served, tmp_path):
    """After `yibao restore` into empty databases and an empty home, the marts, Superset's users
    and Dagster's runs are as before, and the next incremental run takes up where they left."""
    if served[0].poll() is None:  # the test before stops it: the backup of a profile that served
        os.killpg(served[0].pid, signal.SIGTERM)
        served[0].wait(timeout=60)
    with psycopg.connect(profile.url("warehouse")) as conn:
        marts = snapshot(conn)
    users = _rows(profile.url("superset"), "select username, password from ab_user order by username")
    runs = _rows(profile.url("dagster"), "select run_id, status from runs order by run_id")
    secrets = {p.name: p.read_text() for p in (profile.home / "secrets").iterdir()}
    backup = tmp_path / "backup"
    printed = profile.yibao("backup", "--out", str(backup)).stdout
    assert "warehouse" in printed and (backup / "secrets" / "pseudonym_key").read_text() == os.environ["YIBAO_PSEUDONYM_KEY"]
    assert oct(backup.stat().st_mode & 0o777) == "0o700"

    # Destroy: the three databases and the home, then empty ones in their place.
    for part, name in profile.databases.items():
        drop_database(profile.admin_url, make_conninfo(profile.admin_url, dbname=name))
    shutil.rmtree(profile.home)
    prepare_database(profile.admin_url, profile.databases["warehouse"], provisioned=not CALLERS_SERVER)
    owner = conninfo_to_dict(profile.url("warehouse"))["user"]
    with psycopg.connect(profile.admin_url, autocommit=True) as admin:
        for part in ("dagster", "superset"):
            admin.execute(f"create database {profile.databases[part]} owner {owner}")

    profile.yibao("restore", str(backup))
    assert {p.name: p.read_text() for p in (profile.home / "secrets").iterdir()} == secrets
    with psycopg.connect(profile.url("warehouse")) as conn:
        assert snapshot(conn) == marts
    assert _rows(profile.url("superset"), "select username, password from ab_user order by username") == users
    assert _rows(profile.url("dagster"), "select run_id, status from runs order by run_id") == runs

    rerun = profile.yibao("run", "--landing", str(profile.landing)).stdout
    assert "(no new or changed files)" in rerun  # the loads' audit came back: nothing is loaded twice
    with psycopg.connect(profile.url("warehouse")) as conn:
        assert snapshot(conn) == marts  # the same pseudonym key: person_key extends, unchanged


def test_upgrade_migrates_and_rebuilds_only_a_model_whose_columns_changed(profile):
    with psycopg.connect(profile.url("warehouse"), autocommit=True) as conn:
        marts = snapshot(conn)
        conn.execute("alter table marts.fct_settlements add column dropped_in_this_version integer")
    printed = profile.yibao("upgrade").stdout.splitlines()
    assert printed == ["Dagster: instance storage migrated",
                       "Superset: metadata store upgraded (superset db upgrade, superset init)",
                       "dbt: rebuilt from scratch, columns changed: fct_settlements"]
    with psycopg.connect(profile.url("warehouse")) as conn:
        assert snapshot(conn) == marts  # the column gone, every row as before


def _rows(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def _count(url: str, query: str) -> int:
    return _rows(url, query)[0][0]


def _eventually(check, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(1)
    return True
