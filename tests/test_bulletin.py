"""The half-year bulletin: `yibao run` writes it for the latest complete half-year; every table of
its workbook equals the marts (each recomputed here in Python from the marts' rows, not with the
bulletin's queries); the PDF is A4 with page numbers and an embedded Chinese font; each section
links to its dashboard filtered to the period; `yibao bulletin` refuses what it cannot write."""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import prison
import psycopg
import pytest
from openpyxl import load_workbook

from orchestration.bulletin import labels

PERIOD = "2025-H2"
FIRST, LAST = date(2025, 7, 1), date(2025, 12, 1)
PREV_FIRST, PREV_LAST = date(2024, 7, 1), date(2024, 12, 1)


@pytest.fixture(scope="module")
def run(generated_warehouse):
    """`run_pipeline` as `yibao run` calls it (bulletin included): the session's generated
    warehouse (tests/conftest.py), two years of data with rows to quarantine in 2025-H2."""
    url, outcome = generated_warehouse
    with psycopg.connect(url, autocommit=True) as conn:
        yield outcome, conn, url


@pytest.fixture(scope="module")
def marts(run):
    outcome, conn, _ = run
    assert outcome.success, outcome.errors
    return conn


@pytest.fixture(scope="module")
def workbook(run):
    outcome, _, _ = run
    book = load_workbook(outcome.bulletin.files[2])
    tables = {}
    for sheet in book.worksheets:
        for name, ref in sheet.tables.items():
            rows = [tuple(cell.value for cell in row) for row in sheet[ref]]
            tables[name] = (rows[0], [row for row in rows[1:] if any(v is not None for v in row)])
    return tables


def table(workbook, name: str) -> list[tuple]:
    """The data rows of the workbook's Excel table `name`, numbers as Decimal, dates as date."""
    def value(v):
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return v
        if isinstance(v, datetime):
            return v.date()
        return Decimal(str(v))
    return [tuple(value(v) for v in row) for row in workbook[name][1]]


def q(conn, sql: str, *params) -> list[tuple]:
    return conn.execute(sql, params).fetchall()


def rate(numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
    return None if not denominator else (numerator / denominator).quantize(Decimal("0.000001"))


# ---------------------------------------------------------------- the run and its files

def test_yibao_run_writes_the_bulletin_of_the_latest_complete_half_year(run):
    outcome, _, _ = run
    assert outcome.success, outcome.errors
    assert outcome.bulletin.period == PERIOD
    html, pdf, xlsx = outcome.bulletin.files
    assert [p.name for p in (html, pdf, xlsx)] == [f"yibao-bulletin-{PERIOD}.{ext}" for ext in ("html", "pdf", "xlsx")]
    assert all(p.stat().st_size > 0 for p in (html, pdf, xlsx))
    report = outcome.report()
    assert f"Bulletin {PERIOD}:" in report and str(pdf) in report


def test_the_workbook_has_every_table_of_the_bulletin(workbook):
    assert set(workbook) == {
        "fund_status", "payable_months_12m", "external_ci_spending", "county_ci_spending", "city_top_usage",
        "city_top_growth", "county_top_usage", "inspection_plan", "previous_plan_results", "rectifications_by_county",
        "overdue_rectifications", "inspection_by_county", "inspection_findings", "inspection_actions",
        "suspicious_by_rule", "confirmed_violations", "overspend_by_county", "overspend_institutions", "files_loaded",
        "quarantined_rows", "failed_checks"}


# ---------------------------------------------------------------- every figure against the marts

def test_fund_status_equals_the_fund_marts(marts, workbook):
    flows = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for fund, month, income, expenditure in q(marts, "select fund_code, month, income, expenditure "
                                                     "from marts.fund_balance_monthly"):
        if FIRST <= month <= LAST:
            flows[fund][0] += income
            flows[fund][1] += expenditure
    expected = [(labels.FUNDS[fund], balance, *flows[fund], average, payable, labels.PAYABLE_STATUS[status])
                for fund, balance, average, payable, status in q(
                    marts, """select fund_code, closing_balance, avg_monthly_expenditure, payable_months, status
                              from marts.fund_payable_months where month = %s""", LAST)]
    expected.sort(key=lambda row: list(labels.FUNDS.values()).index(row[0]))
    assert table(workbook, "fund_status") == expected
    assert len(expected) == 3

    trend = [(month, labels.FUNDS[fund], balance, payable, labels.PAYABLE_STATUS[status])
             for month, fund, balance, payable, status in q(
                 marts, "select month, fund_code, closing_balance, payable_months, status from marts.fund_payable_months")
             if date(2025, 1, 1) <= month <= LAST]
    assert sorted(table(workbook, "payable_months_12m"), key=lambda r: (r[0], r[1])) == sorted(trend, key=lambda r: (r[0], r[1]))
    assert len(trend) == 36


def test_county_ci_spending_equals_enrollment_monthly(marts, workbook):
    spent = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for county, month, paid in q(marts, "select county_code, month, critical_illness_paid from marts.enrollment_monthly"):
        if FIRST <= month <= LAST:
            spent[county][0] += paid
        elif PREV_FIRST <= month <= PREV_LAST:
            spent[county][1] += paid
    expected = [(name, spent[code][0], spent[code][1], spent[code][0] - spent[code][1],
                 rate(spent[code][0] - spent[code][1], spent[code][1]))
                for code, name in q(marts, "select county_code, county_name from marts.dim_counties order by county_code")]
    assert table(workbook, "county_ci_spending") == expected
    assert sum(row[1] for row in expected) > 0


def test_ranking_lists_equal_institution_ranking_half_year(marts, workbook):
    counties = dict(q(marts, "select county_code, county_name from marts.dim_counties"))
    rows = q(marts, """select scope, usage_rank, growth_rank, is_top_usage, is_top_growth, institution_code,
                              institution_name, county_code, ci_fund_usage, prev_ci_fund_usage, growth_rate,
                              last_onsite_date, is_candidate
                       from marts.institution_ranking_half_year where period = %s""", PERIOD)

    def figures(r):
        return (r[8], r[9], r[10], r[11], "是" if r[12] else "否")

    city = [r for r in rows if r[0] == "city"]
    usage = sorted((r for r in city if r[3]), key=lambda r: r[1])
    growth = sorted((r for r in city if r[4]), key=lambda r: r[2])
    county = sorted((r for r in rows if r[0] != "city" and r[3]), key=lambda r: (r[0], r[1]))
    assert table(workbook, "city_top_usage") == [(r[1], r[5], r[6], counties.get(r[7]), *figures(r)) for r in usage]
    assert table(workbook, "city_top_growth") == [(r[2], r[5], r[6], counties.get(r[7]), *figures(r)) for r in growth]
    assert table(workbook, "county_top_usage") == [(counties[r[0]], r[1], r[5], r[6], *figures(r)) for r in county]
    assert len(usage) == 3 and growth and len({r[0] for r in county}) == len(counties)  # every county has its list


def test_inspection_tables_equal_inspection_results(marts, workbook):
    values, previous = defaultdict(Decimal), defaultdict(Decimal)
    for county, metric, value, prev in q(marts, """select county_code, metric, value, prev_year_value
                                                   from marts.inspection_results
                                                   where period_kind = 'half_year' and period = %s""", PERIOD):
        values[county, metric] += value
        values[metric] += value
        if metric == "recovered_amount" and prev is not None:
            previous[county] += prev
    metrics = ["inspections", "onsite_inspections", "violating_institutions", "recovered_amount",
               "penalty_amount", "fine_amount", "demerit_points"]
    expected = [(name, *(values[code, m] for m in metrics), previous[code])
                for code, name in q(marts, "select county_code, county_name from marts.dim_counties order by county_code")]
    assert table(workbook, "inspection_by_county") == expected
    assert table(workbook, "inspection_findings") == [(name, values[f"finding_{code}"]) for code, name in labels.FINDINGS.items()]
    assert table(workbook, "inspection_actions") == [(name, values[f"action_{code}"]) for code, name in labels.ACTIONS.items()]
    assert values["inspections"] > 0


def test_suspicious_cases_equal_suspicious_settlements(marts, workbook):
    cases = defaultdict(dict)
    for rule, settlement, institution, month, outcome, due in q(
            marts, """select rule_id, settlement_id, institution_code, detected_month, review_outcome, is_past_due
                      from marts.suspicious_settlements"""):
        if FIRST <= month <= LAST:
            cases[rule][settlement] = (institution, outcome, due)

    def count(rule, test):
        return sum(1 for case in cases[rule].values() if test(*case))

    expected = [(name, len(cases[rule]), len({c[0] for c in cases[rule].values()}),
                 count(rule, lambda i, o, d: o is None), count(rule, lambda i, o, d: o == "pending"),
                 count(rule, lambda i, o, d: o == "confirmed"), count(rule, lambda i, o, d: o == "cleared"),
                 count(rule, lambda i, o, d: d))
                for rule, name in q(marts, "select rule_id, rule_name from marts.suspicious_rules order by rule_id")]
    assert table(workbook, "suspicious_by_rule") == expected
    assert sum(row[1] for row in expected) > 0

    counties = dict(q(marts, "select county_code, county_name from marts.dim_counties"))
    violations = sorted(q(marts, """select institution_code, institution_name, county_code, concluded_cases, confirmed_cases,
                                           cleared_cases, violating_amount, ci_refused_amount, concluded_late_cases
                                    from marts.confirmed_violations_half_year where period = %s""", PERIOD),
                        key=lambda r: (-r[6], r[0]))
    assert table(workbook, "confirmed_violations") == [(r[0], r[1], counties.get(r[2], r[2]), *r[3:]) for r in violations]


def test_external_ci_spending_equals_its_mart(marts, workbook):
    rows = q(marts, """select usage_rank, institution_code, institution_name, county_code, ci_fund_usage,
                              ci_share_of_period, ci_settlements, high_cost_cases, reviewed_cases, confirmed_cases
                       from marts.external_ci_spending_half_year where period = %s""", PERIOD)
    assert table(workbook, "external_ci_spending") == sorted(rows)


def test_inspection_plans_and_rectifications_equal_their_marts(marts, workbook):
    counties = dict(q(marts, "select county_code, county_name from marts.dim_counties"))
    plan = q(marts, """select scope, pick_order, institution_code, institution_name, ci_fund_usage, growth_rate,
                              last_onsite_date, reason, inspection_status, inspection_date, inspection_trigger, finding,
                              action, involved_amount, recovered_amount, inspection_id, period
                       from marts.inspection_plan_half_year""")
    rectified = dict(q(marts, "select inspection_id, status from marts.rectifications"))

    def ordered(rows):
        return sorted(rows, key=lambda r: (r[0] != "city", r[0], r[1]))

    def scope(code):
        return "市本級" if code == "city" else counties[code]

    assert table(workbook, "inspection_plan") == [(scope(r[0]), r[1], r[2], r[3], *r[4:8])
                                                  for r in ordered(r for r in plan if r[16] == PERIOD)]
    previous = ordered(r for r in plan if r[16] == "2025-H1")
    assert table(workbook, "previous_plan_results") == [
        (scope(r[0]), r[1], r[2], r[3], labels.INSPECTION_STATUS[r[8]], r[9], labels.TRIGGERS.get(r[10], r[10]),
         "未發現問題" if r[11] == "none" else labels.FINDINGS.get(r[11], r[11]),
         "—" if r[12] in (None, "none") else labels.ACTIONS[r[12]], r[13], r[14],
         labels.RECTIFICATION_STATUS.get(rectified.get(r[15]), rectified.get(r[15]))) for r in previous]
    assert previous and any(r[8] == "inspected" for r in previous)

    assert table(workbook, "rectifications_by_county") == q(
        marts, """select county_name, findings, closed, closed_late, open, overdue, overdue_involved_amount,
                         oldest_overdue_deadline from marts.rectifications_by_county order by county_code""")
    overdue = q(marts, """select inspection_id, institution_name, county_code, inspection_date, finding, deadline_date,
                                 days_overdue, involved_amount from marts.rectifications where status = 'overdue'""")
    assert table(workbook, "overdue_rectifications") == [
        (r[0], r[1], counties[r[2]], r[3], labels.FINDINGS[r[4]], *r[5:]) for r in sorted(overdue, key=lambda r: (-r[6], r[0]))]


def test_overspend_tables_equal_institution_overspend(marts, workbook):
    institutions = {code: (name, county, county_name) for code, name, county, county_name in q(
        marts, "select institution_code, institution_name, county_code, county_name from marts.dim_institutions")}
    rows = q(marts, """select institution_code, annual_budget, ytd_budget, ytd_expenditure, overspend_amount,
                              overspend_rate, projected_overspend_rate, band
                       from marts.institution_overspend where month = %s""", LAST)
    bands = defaultdict(Counter)
    for row in rows:
        bands[institutions[row[0]][1]][row[7]] += 1
    expected_bands = [(name, bands[code]["under"], bands[code]["tolerated"], bands[code]["over"])
                      for code, name in q(marts, "select county_code, county_name from marts.dim_counties order by county_code")
                      if bands[code]]
    assert table(workbook, "overspend_by_county") == expected_bands
    over = sorted((r for r in rows if r[7] == "over"), key=lambda r: (-(r[5] if r[5] is not None else Decimal("Infinity")), r[0]))
    assert table(workbook, "overspend_institutions") == [
        (r[0], institutions[r[0]][0], institutions[r[0]][2], *r[1:7]) for r in over]
    assert over


def test_data_quality_tables_equal_the_audit(marts, workbook):
    loads = q(marts, """select load_id, source, file, month, status, rows_read, rows_loaded, rows_quarantined
                        from audit.file_loads order by load_id""")
    latest, in_force = {}, {}
    for load in loads:
        if load[3] is not None and FIRST <= load[3] <= LAST:
            latest[load[1], load[2]] = load
            if load[4] == "loaded":
                in_force[load[1], load[2]] = load
    summary = defaultdict(lambda: [0, 0, 0, 0, 0])
    for (source, _), load in in_force.items():
        summary[source][0] += 1
        for i in range(3):
            summary[source][i + 1] += load[5 + i]
    for (source, _), load in latest.items():
        summary[source][4] += load[4] == "rejected"
    assert table(workbook, "files_loaded") == [(labels.SOURCES[s], *summary[s]) for s in sorted(summary)]
    assert summary["settlement"][3] == 2 and summary["fund_flows"][3] == 1

    reasons = Counter()
    for source in ("settlement", "fund_flows", "enrollment", "inspection"):
        for (reason, month) in q(marts, f"select reason, _month from quarantine.{source}"):
            if FIRST <= month <= LAST:
                reasons[labels.SOURCES[source], reason] += 1
    assert sorted(table(workbook, "quarantined_rows")) == sorted((s, r, n) for (s, r), n in reasons.items())
    assert sum(reasons.values()) == 3

    load_ids = {load[0] for load in in_force.values()}
    outcomes = {}
    for check_id, load_id, file, suite, expectation, severity, passed, unexpected in q(
            marts, """select check_id, load_id, file, suite, expectation, severity, passed, unexpected_count
                      from audit.quality_checks order by check_id"""):
        if load_id in load_ids:
            outcomes[load_id, suite, expectation] = (file, suite, expectation, severity, passed, unexpected)
    failed = sorted((f, s, e, sev, n) for f, s, e, sev, ok, n in outcomes.values() if not ok)
    assert sorted(table(workbook, "failed_checks")) == failed
    assert ("fund_flows/2025-09.csv", "file_loads", "more than 1% of the rows read quarantined", "WARN") in \
        {row[:4] for row in failed}


# ---------------------------------------------------------------- the PDF, the HTML and its links

def test_the_pdf_is_a4_numbered_and_set_in_an_embedded_chinese_font(run):
    from pypdf import PdfReader

    outcome, _, _ = run
    reader = PdfReader(outcome.bulletin.files[1])
    pages = len(reader.pages)
    assert pages >= 3
    for number, page in enumerate(reader.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 595.3) < 1.5 and abs(height - 841.9) < 1.5  # A4 in points
        assert f"第 {number} 頁 共 {pages} 頁" in page.extract_text()
    fonts = {font["/BaseFont"] for page in reader.pages
             for font in page["/Resources"]["/Font"].values() if "/BaseFont" in font.get_object()}
    assert fonts and all(re.search(r"\+WenQuanYiZenHei$", str(f)) for f in fonts)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "關於2025年下半年大病保險資金使用及監督檢查情況的通報" in text.replace("\n", "")


def test_each_section_links_to_its_dashboard_filtered_to_the_period(run):
    outcome, _, _ = run
    html = outcome.bulletin.files[0].read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', html)
    slugs = set()
    for url, label in links:
        parsed = urlparse(unescape(url))
        assert parsed.netloc == "bureau.example:8088", url
        slug = parsed.path.removeprefix("/superset/dashboard/").strip("/")
        slugs.add(slug)
        masks = prison.loads(parse_qs(parsed.query)["native_filters"][0])
        values = {mask["filterState"]["value"] if isinstance(mask["filterState"]["value"], str)
                  else tuple(mask["filterState"]["value"]) for mask in masks.values()}
        if slug in ("key-institutions", "inspections"):
            assert values == {(PERIOD,)}
            (mask,) = masks.values()
            assert mask["extraFormData"] == {"filters": [{"col": "period", "op": "IN", "val": [PERIOD]}]}
        else:
            assert values == {"2025-07-01 : 2026-01-01"}
            (mask,) = masks.values()
            assert mask["extraFormData"] == {"time_range": "2025-07-01 : 2026-01-01"}
    assert slugs == {"fund-overview", "key-institutions", "inspections", "budget-overspend"}


# ---------------------------------------------------------------- the command

def test_yibao_bulletin_prints_its_paths_and_refuses_an_incomplete_or_malformed_period(run, yibao):
    _, _, url = run
    env = {**os.environ, "WAREHOUSE_URL": url}
    written = yibao("bulletin", "--period", "2025-H1", env=env, timeout=300)
    assert written.returncode == 0, written.stderr
    paths = [Path(line) for line in written.stdout.splitlines()]
    assert [p.name for p in paths] == [f"yibao-bulletin-2025-H1.{ext}" for ext in ("html", "pdf", "xlsx")]
    assert all(p.exists() for p in paths)

    incomplete = yibao("bulletin", "--period", "2026-H1", env=env, timeout=300)
    assert incomplete.returncode == 1
    assert "2026-H1 is not complete in the warehouse: its data runs from 2024-01 to 2025-12" in incomplete.stderr
    assert "Traceback" not in incomplete.stderr

    malformed = yibao("bulletin", "--period", "2025-3", env=env, timeout=300)
    assert malformed.returncode == 2
    assert "period '2025-3' is not a half-year: write YYYY-H1 or YYYY-H2" in malformed.stderr


def test_the_bulletin_schedule_requests_the_half_year_just_closed_once_it_is_complete(run, monkeypatch):
    import dagster as dg

    from orchestration.pipeline import prepare_dagster
    from orchestration.resources import WarehouseResource

    _, _, url = run
    monkeypatch.setenv("WAREHOUSE_URL", url)  # the resource reads the environment's warehouse
    prepare_dagster()
    from orchestration.definitions import defs

    schedule = defs.resolve_schedule_def("bulletin_schedule")

    def tick(day: datetime):
        with dg.build_schedule_context(resources={"warehouse": WarehouseResource()},
                                       repository_def=defs.get_repository_def(),
                                       scheduled_execution_time=day.replace(tzinfo=ZoneInfo("Asia/Shanghai"))) as context:
            return schedule.evaluate_tick(context)

    (request,) = tick(datetime(2026, 1, 10, 7)).run_requests
    assert (request.partition_key, request.run_key) == (PERIOD, f"bulletin-{PERIOD}")
    assert "2026-H1 is not complete in the warehouse" in tick(datetime(2026, 7, 1, 7)).skip_message
