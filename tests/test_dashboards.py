"""The dashboards in a real browser: Superset serving the committed bundle over a built
warehouse, Debian's Chromium driven by Playwright, and the access rules through the API.

Superset is started once for the module (stopped at the end); it needs .venv-superset, and the
browser /usr/bin/chromium: `make test` installs both. Screenshots of the dashboards are saved
to test-output/dashboards/.
"""

from __future__ import annotations

import re
import shutil
import stat
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import requests
import yaml
from playwright.sync_api import Page, Request, sync_playwright
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from dashboards.access import ANALYSTS, COUNTY_COLUMN, LEADERSHIP
from dashboards.client import SupersetClient
from dashboards.counties import database_role
from dashboards.publish import admin_client, publish
from dashboards.reader import READER, reader_url
from dashboards.server import free_port, running_superset
from dashboards.settings import ASSETS, superset_home
from orchestration.warehouse import yibao_home

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                  "--no-first-run", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]
CHART = '[data-test="chart-grid-component"]'  # not the chart holder: markdown blocks have one too
DRAWN = '[data-test="slice-container"] :is(canvas, svg, table, .header-line)'
ERROR = ".ant-alert-error"
EVENT_LOG = "**/superset/log/**"
LOADING = '[data-test="loading-indicator"]'
PASSWORD = "test-" + uuid.uuid4().hex

DASHBOARDS = sorted((yaml.safe_load(p.read_text(encoding="utf-8")) for p in (ASSETS / "dashboards").glob("*.yaml")),
                    key=lambda d: d["slug"])
SLUGS = {d["dashboard_title"]: d["slug"] for d in DASHBOARDS}


@dataclass
class Figure:
    dashboard: str
    chart: str
    sql: str


def figures_to_check() -> list[Figure]:
    """The "Figures to check" table of dashboards/README.md: dashboard | chart | figure | `SQL`."""
    section = (ASSETS.parent / "README.md").read_text(encoding="utf-8").split("## Figures to check")[1]
    rows = [line.strip().strip("|").split(" | ") for line in section.split("\n## ")[0].splitlines()
            if line.startswith("| ") and "`" in line]
    return [Figure(cells[0].strip(), cells[1].strip(), cells[3].split("`")[1]) for cells in rows]


FIGURES = figures_to_check()


@pytest.fixture(scope="module")
def warehouse(demo_warehouse) -> str:
    """The session's demo warehouse (tests/conftest.py), built by the pipeline from a small
    generated landing; the pipeline's URL."""
    return demo_warehouse[0]


@pytest.fixture(scope="module")
def admin_of(warehouse, server_url) -> str:
    """The test server's superuser (or the caller's role) on the built warehouse."""
    return make_conninfo(server_url, dbname=conninfo_to_dict(warehouse)["dbname"])


@pytest.fixture(scope="module")
def superset(warehouse) -> str:
    """Superset on a free port with the dashboards published on `warehouse`; its URL."""
    with running_superset(free_port()) as running:
        publish(running.url, warehouse)
        yield running.url


@pytest.fixture(scope="module")
def admin(superset) -> SupersetClient:
    return admin_client(superset)


@pytest.fixture(scope="module")
def users(admin) -> dict[str, str]:
    """A user per tested role: leadership, analysts and the first county; username -> role."""
    roles = {role["name"]: role["id"] for role in admin.every("/api/v1/security/roles/")}
    county = min(name for name in roles if name.startswith("縣區 "))
    wanted = {"leader": LEADERSHIP, "analyst": ANALYSTS, "county": county}
    for username, role in wanted.items():
        admin.post("/api/v1/security/users/", {
            "username": username, "first_name": username, "last_name": "test", "active": True,
            "email": f"{username}@yibao.invalid", "password": PASSWORD, "roles": [roles[role]]})
    return wanted


@pytest.fixture(scope="module")
def asked_elsewhere() -> list[Request]:
    """What the leadership user's tab asks of any server but Superset."""
    return []


@pytest.fixture(scope="module")
def leader_page(superset, users, asked_elsewhere, chromium) -> Page:
    """A Chromium tab logged in through the login form as the leadership user."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.on("request", lambda request: None if request.url.startswith(superset)
                else asked_elsewhere.append(request))
        # The login page reports its view by a beacon a second after loading. Answered after
        # the login (only a script types that fast), the beacon's anonymous session cookie
        # would replace the logged-in one: it is refused until the login is done.
        page.route(EVENT_LOG, lambda route: route.abort())
        page.goto(f"{superset}/login/")
        page.fill('[data-test="username-input"]', "leader")
        page.fill('[data-test="password-input"]', PASSWORD)
        page.click('[data-test="login-button"]')
        page.wait_for_url(re.compile(r".*/dashboard/list/.*"))  # the landing page, not the welcome page
        page.unroute(EVENT_LOG)
        yield page
        browser.close()


@pytest.fixture(scope="module")
def screenshots(request) -> Path:
    """test-output/dashboards/ (ignored by git), emptied first; its path is printed at the end."""
    folder = ROOT / "test-output" / "dashboards"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    yield folder
    with request.config.pluginmanager.getplugin("capturemanager").global_and_fixture_disabled():
        print(f"\ndashboard screenshots: {folder}/")


@dataclass
class Shown:
    """What one chart shows in the browser."""
    error: str | None
    big_number: str | None
    first_row: list[str]


@pytest.fixture(scope="module")
def rendered(leader_page, superset, screenshots) -> dict[str, dict[str, Shown]]:
    """Every dashboard opened once as the leadership user, each chart waited for until drawn
    (or failed): slug -> chart name -> what it shows. Saves a full-page screenshot of each."""
    return {d["slug"]: render_dashboard(leader_page, f"{superset}/superset/dashboard/{d['slug']}/",
                               screenshots / f"{d['slug']}.png") for d in DASHBOARDS}


def render_dashboard(page: Page, url: str, screenshot: Path) -> dict[str, Shown]:
    page.goto(url)
    page.wait_for_selector('[data-test="dashboard-header-container"]')
    shown = {}
    for chart in page.locator(CHART).all():
        chart.scroll_into_view_if_needed()  # charts out of view are not drawn (virtualization)
        chart.locator(f"{DRAWN}, {ERROR}").first.wait_for(timeout=60_000)
        chart.locator(LOADING).first.wait_for(state="detached", timeout=60_000)
        error, big_number, row = chart.locator(ERROR), chart.locator(".header-line"), chart.locator("table tbody tr")
        shown[chart.get_attribute("data-test-chart-name")] = Shown(
            error.first.inner_text() if error.count() else None,
            big_number.first.inner_text() if big_number.count() else None,
            row.first.locator("td").all_inner_texts() if row.count() else [])
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky header lands mid-page
    page.screenshot(path=screenshot, full_page=True)
    return shown


def test_the_bundle_has_the_four_dashboards():
    assert set(SLUGS) == {"基金運行總覽", "半年度重點機構名單", "總額控制與超支", "稽核與查處"}
    assert {figure.dashboard for figure in FIGURES} == set(SLUGS)


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=lambda d: d["slug"])
def test_every_chart_renders_without_error(rendered, dashboard):
    charts = rendered[dashboard["slug"]]
    in_layout = {item["meta"]["sliceName"] for item in dashboard["position"].values()
                 if isinstance(item, dict) and item.get("type") == "CHART"}
    assert set(charts) == in_layout
    assert {name: shown.error for name, shown in charts.items() if shown.error} == {}


def test_the_pages_ask_nothing_of_another_server(rendered, asked_elsewhere):
    """The login, the dashboard list and every dashboard come from Superset alone: the stock
    menu's telemetry pixel is refused by the content security policy, before it is sent."""
    assert {request.url: request.failure for request in asked_elsewhere if request.failure != "csp"} == {}


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f.chart)
def test_a_displayed_figure_equals_the_mart(rendered, warehouse, figure):
    shown = rendered[SLUGS[figure.dashboard]][figure.chart]
    displayed = [shown.big_number] if shown.big_number else shown.first_row
    with psycopg.connect(reader_url(warehouse)) as reader:
        expected = reader.execute(figure.sql).fetchone()
    for value in expected:
        assert any(_same(value, text) for text in displayed), f"{value} is not in {displayed}"


def test_the_bulletins_links_open_the_dashboards_filtered_to_the_period(leader_page, rendered, superset, warehouse,
                                                                        monkeypatch):
    """A link sets the dashboard's half-year filter (every chart query carries it) or its time
    filter (the balance shown is the range's last month, not the latest), as the bulletin's and
    the alerts' links do."""
    from dashboards.links import FUND_OVERVIEW, KEY_INSTITUTIONS, dashboard_link
    from orchestration.bulletin import latest_complete

    with psycopg.connect(warehouse) as conn:
        period = latest_complete(conn)
        (earlier_balance,) = conn.execute(
            """select closing_balance from marts.fund_payable_months
               where fund_code = 'employee_pooled' and month < %s order by month desc limit 1""",
            [period.first_month]).fetchone()
    monkeypatch.setenv("YIBAO_SUPERSET_URL", superset)

    queries = []

    def record(request: Request) -> None:
        if request.method == "POST" and "/api/v1/chart/data" in request.url:
            queries.extend(request.post_data_json["queries"])

    leader_page.on("request", record)
    try:
        render_dashboard(leader_page, dashboard_link(KEY_INSTITUTIONS, period=str(period)),
                ROOT / "test-output" / "dashboards" / "linked-key-institutions.png")
    finally:
        leader_page.remove_listener("request", record)
    by_period = {"col": "period", "op": "IN", "val": [str(period)]}
    (dashboard,) = [d for d in DASHBOARDS if d["slug"] == KEY_INSTITUTIONS]
    charts = [item for item in dashboard["position"].values() if isinstance(item, dict) and item.get("type") == "CHART"]
    # every chart's query (the filter bar's own queries for its options are not filtered)
    assert sum(by_period in query["filters"] for query in queries) == len(charts) >= 4

    # The months before the period: the big number shows the balance of the month before it.
    shown = render_dashboard(leader_page, dashboard_link(FUND_OVERVIEW, months=(date(2000, 1, 1), period.first_month)),
                    ROOT / "test-output" / "dashboards" / "linked-fund-overview.png")
    assert _same(earlier_balance, shown["累計結餘：職工醫保統籌基金"].big_number)


def test_a_county_user_sees_only_its_county(admin, superset, users):
    county_user = SupersetClient(superset, "county", PASSWORD)
    code = users["county"].split()[1]
    datasets = {d["table_name"]: d["id"] for d in admin.every("/api/v1/dataset/", ("id", "table_name"))}
    with_county = [name for name, id_ in datasets.items()
                   if any(c["column_name"] == COUNTY_COLUMN for c in admin.get(f"/api/v1/dataset/{id_}")["result"]["columns"])]
    assert len(with_county) >= 5
    for name in with_county:
        everyone = _counties_in(admin, datasets[name])
        assert _counties_in(county_user, datasets[name]) == everyone & {code}, name
    assert len(_counties_in(admin, datasets["institution_ranking"])) > 1
    with pytest.raises(requests.HTTPError, match="403"):  # prefecture-wide data stays closed
        _chart_data(county_user, datasets["fund_balance_monthly"], ["fund_code"])


# The review's exploit (issue 20, item 1): a custom SQL column whose function runs SQL given as
# text, reading what the county filter excludes: every county's code, the prefecture's balances.
LEAKS = {
    "institution_ranking": ("(ts_stat('select to_tsvector(''simple'', string_agg(distinct county_code, '' '')) "
                            "from marts.institution_ranking_half_year')).word"),
    "fund_balances": ("(ts_stat('select to_tsvector(''simple'', string_agg(round(closing_balance)::text, '' '')) "
                      "from marts.fund_balance_monthly')).word"),
}


def test_a_county_user_cannot_read_other_counties_through_a_custom_sql_expression(admin, superset, users,
                                                                                      admin_of):
    county_user = SupersetClient(superset, "county", PASSWORD)
    own = users["county"].split()[1]
    ranking = _dataset_id(admin, "institution_ranking")
    with psycopg.connect(admin_of) as conn:
        counties = {row[0] for row in conn.execute("select county_code from marts.dim_counties")}
        balances = {row[0] for row in conn.execute("select round(closing_balance)::text from marts.fund_balance_monthly")}
    assert len(counties) > 1 and balances
    for name, expression in LEAKS.items():
        words = _leaked(county_user, ranking, expression)
        assert words <= {own} and not words & balances, name


def test_the_county_filter_holds_even_where_such_a_function_is_executable(admin, superset, users, admin_of):
    """Defence in depth, for a server where ts_stat was not revoked: a county user's queries run
    as the county's PostgreSQL role, whose row-level security applies inside ts_stat's query too."""
    county_user = SupersetClient(superset, "county", PASSWORD)
    own = users["county"].split()[1]
    ranking = _dataset_id(admin, "institution_ranking")
    with psycopg.connect(admin_of, autocommit=True) as conn:
        conn.execute(f"grant execute on function ts_stat(text) to {database_role(own)}")
        try:
            assert _leaked(county_user, ranking, LEAKS["institution_ranking"]) == {own}
            with pytest.raises(requests.HTTPError, match="permission denied for table fund_balance_monthly"):
                _raw(county_user, ranking, LEAKS["fund_balances"])
        finally:
            conn.execute(f"revoke execute on function ts_stat(text) from {database_role(own)}")


def test_a_county_role_reads_only_its_county_in_postgresql(warehouse, admin_of, users):
    own = users["county"].split()[1]
    with psycopg.connect(admin_of) as conn:
        granted = conn.execute("""select c.relname, bool_or(a.attname = 'county_code')
                                  from pg_class c join pg_attribute a on a.attrelid = c.oid
                                  where c.relnamespace = 'marts'::regnamespace and c.relkind = 'r'
                                    and has_any_column_privilege('yibao_county', c.oid, 'select')
                                    and a.attname in ('county_code', 'institution_code')
                                  group by c.relname""").fetchall()
        institutions = dict(conn.execute("select institution_code, county_code from marts.dim_institutions").fetchall())
    assert {"institution_ranking_half_year", "dim_institutions", "suspicious_settlements"} <= dict(granted).keys()
    with psycopg.connect(make_conninfo(warehouse, user=database_role(own))) as county:
        for table, has_county_code in granted:
            if has_county_code:
                seen = {row[0] for row in county.execute(f"select distinct county_code from marts.{table}")}
            else:
                seen = {institutions[row[0]] for row in
                        county.execute(f"select distinct institution_code from marts.{table}")}
            assert seen <= {own}, table
        assert county.execute("select count(*) from marts.institution_ranking_half_year").fetchone()[0] > 0
        for denied in ("select * from marts.fund_balance_monthly", "select * from marts.fct_settlements",
                       "select person_key from marts.suspicious_settlements", "select * from raw.settlement"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                county.execute(denied)
            county.rollback()


def test_superset_state_and_logs_are_owner_only(superset):
    for path in (superset_home() / "superset.db", yibao_home() / "logs" / "superset.log"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700, path.parent


def test_the_reader_role_reads_the_marts_and_nothing_personal(superset, warehouse):
    with psycopg.connect(warehouse, autocommit=True) as owner:
        tables = owner.execute("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()
        owner.execute("create table marts.built_later as select 1 as x")  # as dbt does on a rebuild
    with psycopg.connect(reader_url(warehouse), autocommit=True) as reader:
        assert reader.info.parameter_status("session_authorization") == READER
        for (table,) in tables + [("built_later",)]:
            reader.execute(f"select * from marts.{table} limit 1")
        for table in ("raw.enrollment", "raw.settlement", "quarantine.settlement", "staging.stg_bureau__enrollments",
                      "quality.settlement", "audit.file_loads"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute(f"select * from {table} limit 1")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            reader.execute("delete from marts.built_later")


def test_analysts_query_the_marts_in_sql_lab_and_leadership_cannot(superset, users):
    analyst, leader = SupersetClient(superset, "analyst", PASSWORD), SupersetClient(superset, "leader", PASSWORD)
    database = next(analyst.every("/api/v1/database/", ("id",)))["id"]

    def run(client, sql):
        return client.post("/api/v1/sqllab/execute/", {"database_id": database, "sql": sql, "runAsync": False,
                                                         "schema": "marts"})

    assert run(analyst, "select count(*) as n from marts.dim_counties")["data"][0]["n"] > 0
    with pytest.raises(requests.HTTPError, match="permission denied"):
        run(analyst, "select * from raw.enrollment")
    with pytest.raises(requests.HTTPError, match="403"):
        run(leader, "select 1")


def test_reimporting_updates_an_edited_chart_and_dataset_and_changes_nothing_else(admin, superset, warehouse,
                                                                                  tmp_path):
    edited = tmp_path / "assets"
    shutil.copytree(ASSETS, edited)
    chart = _edit(next((edited / "charts").glob("*.yaml")), "slice_name")
    dataset = _edit(next((edited / "datasets").rglob("*.yaml")), "description")

    def access():
        return (sorted(r["name"] for r in admin.every("/api/v1/security/roles/")),
                sorted((r["name"], len(r["tables"])) for r in admin.every("/api/v1/rowlevelsecurity/")))

    before = access()
    try:
        publish(superset, warehouse, edited)
        names = {c["uuid"]: c["slice_name"] for c in admin.every("/api/v1/chart/", ("uuid", "slice_name"))}
        assert names[chart["uuid"]] == chart["slice_name"]
        dataset_id = next(d["id"] for d in admin.every("/api/v1/dataset/", ("id", "uuid")) if d["uuid"] == dataset["uuid"])
        assert admin.get(f"/api/v1/dataset/{dataset_id}")["result"]["description"] == dataset["description"]
        assert access() == before
    finally:
        publish(superset, warehouse)


def _edit(path: Path, field: str) -> dict:
    """Append a mark to one text field of an asset file; the edited asset."""
    asset = yaml.safe_load(path.read_text(encoding="utf-8"))
    asset[field] = (asset[field] or "") + "（改）"
    path.write_text(yaml.safe_dump(asset, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return asset


def _same(value, text: str) -> bool:
    """Whether a displayed text shows `value`: numbers as the charts format them (thousands
    separators, a percent sign, d3's minus sign), compared at the displayed precision."""
    if not isinstance(value, (int, Decimal)):
        return text.strip() == str(value)
    try:
        shown = Decimal(text.replace(",", "").replace("\u2212", "-").strip().removesuffix("%"))
    except ArithmeticError:
        return False
    return shown == round(Decimal(value), -shown.as_tuple().exponent)


def _chart_data(client: SupersetClient, dataset_id: int, columns: list[str]) -> list[dict]:
    query = {"datasource": {"id": dataset_id, "type": "table"}, "result_format": "json", "result_type": "full",
             "queries": [{"columns": columns, "row_limit": 10000, "metrics": [
                 {"expressionType": "SQL", "sqlExpression": "COUNT(*)", "label": "rows"}]}]}
    return client.post("/api/v1/chart/data", query)["result"][0]["data"]


def _dataset_id(client: SupersetClient, name: str) -> int:
    return next(d["id"] for d in client.every("/api/v1/dataset/", ("id", "table_name")) if d["table_name"] == name)


def _raw(client: SupersetClient, dataset_id: int, expression: str) -> list[dict]:
    """A raw-mode query (no aggregation) whose one column is a custom SQL expression."""
    query = {"datasource": {"id": dataset_id, "type": "table"}, "result_format": "json", "result_type": "full",
             "queries": [{"columns": [{"expressionType": "SQL", "sqlExpression": expression, "label": "leak"}],
                          "metrics": [], "row_limit": 1000}]}
    return client.post("/api/v1/chart/data", query)["result"][0]["data"]


def _leaked(client: SupersetClient, dataset_id: int, expression: str) -> set[str]:
    """What the expression returns, nothing when the query is refused."""
    try:
        return {row["leak"] for row in _raw(client, dataset_id, expression)}
    except requests.HTTPError:
        return set()


def _counties_in(client: SupersetClient, dataset_id: int) -> set[str]:
    return {row[COUNTY_COLUMN] for row in _chart_data(client, dataset_id, [COUNTY_COLUMN])}
