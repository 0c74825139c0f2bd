"""The working group's half-year lists and case work (issue 19) on a small hand-made landing.

The landing directory is described in tests/lists_landing.py; every expected value below was
worked out by hand from it. The pipeline runs once in this module; the tests on generated data
read the session's generated warehouse (tests/conftest.py).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import psycopg
import pytest

from tests.lists_landing import CI_2024, CI_2025, write_lists_landing


@pytest.fixture(scope="module")
def marts(built_warehouse, tmp_path_factory):
    return built_warehouse(write_lists_landing(tmp_path_factory.mktemp("lists_landing")))


def rows(marts, sql: str) -> list[tuple]:
    return marts.execute(sql).fetchall()


# ------------------------------------------------------------------ external institutions

def test_external_institutions_are_in_no_ranking_scope_or_county(marts):
    assert rows(marts, """select institution_code, county_code, county_name, managed_by, ranking_scope
                          from marts.dim_institutions where managed_by = 'external' order by 1""") == [
        ("E1", "440304", None, "external", None), ("E2", "450802", None, "external", None)]
    assert rows(marts, "select count(*) from marts.institution_ranking_half_year where institution_code like 'E%'") \
        == [(0,)]
    assert rows(marts, "select count(*) from marts.inspection_plan_half_year where institution_code like 'E%'") \
        == [(0,)]


def test_external_ci_spending_still_counts_in_the_fund(marts):
    """All CI money, the external institutions' included, is the CI fund's expenditure."""
    assert rows(marts, """select to_char(month, 'YYYY-MM'), expenditure from marts.fund_balance_monthly
                          where fund_code = 'critical_illness' and expenditure <> 0 order by 1""") == [
        ("2024-03", D(sum(CI_2024.values()))), ("2025-03", D(sum(CI_2025.values())))]


def test_the_authenticity_check_worklist_lists_out_of_area_ci_spending(marts):
    assert rows(marts, """select period, usage_rank, institution_code, institution_name, county_code, ci_fund_usage,
                                 ci_share_of_period, ci_settlements, high_cost_cases, reviewed_cases, confirmed_cases
                          from marts.external_ci_spending_half_year order by 1, 2""") == [
        ("2024-H1", 1, "E1", "深圳市人民醫院", "440304", D("300000.00"), D("0.397351"), 1, 1, 0, 0),  # of 755000
        ("2024-H1", 2, "E2", "廣西壯族自治區人民醫院", "450802", D("200000.00"), D("0.264901"), 1, 1, 0, 0),
        ("2025-H1", 1, "E1", "深圳市人民醫院", "440304", D("500000.00"), D("0.566251"), 2, 2, 1, 1),  # of 883000
        ("2025-H1", 2, "E2", "廣西壯族自治區人民醫院", "450802", D("10000.00"), D("0.011325"), 1, 0, 0, 0),
    ]


def test_coverage_denominators_leave_external_institutions_out(marts):
    """E2 is filed under 450802 but is no institution of the county."""
    assert rows(marts, """select county_code, institution_count, inspected_institutions, onsite_inspected_institutions,
                                 onsite_coverage_rate
                          from marts.inspection_coverage_half_year
                          where period = '2025-H2' and institution_type = 'hospital' order by 1""") == [
        ("450802", 4, 1, 1, D("0.25")),  # C1, C2, C5, L1; C5 on site
        ("450821", 6, 4, 3, D("0.5")),  # C3, C4, K1-K4; C3, K2, K3 on site, C4 an online audit
    ]


# ------------------------------------------------------------------ growth

def test_only_positive_growth_ranks(marts):
    assert rows(marts, """select institution_code, usage_rank, growth_rate, growth_rank, is_top_usage, is_top_growth,
                                 recently_inspected, is_candidate
                          from marts.institution_ranking_half_year
                          where period = '2025-H1' and scope = 'city' order by usage_rank""") == [
        ("C1", 1, D("0.200000"), 2, True, True, True, False),  # inspected on site 2024-10-01
        ("C3", 2, D("0.500000"), 1, True, True, False, True),
        ("C5", 3, None, None, True, False, False, True),  # C3 and C5 tie on usage: by code; C5's base < 10000
        ("C2", 4, D("-0.200000"), None, False, False, False, False),  # falling: not fast growth
        ("C4", 5, D("0.000000"), None, False, False, False, False),  # flat: not growth either
    ]


# ------------------------------------------------------------------ the plan

def test_every_scope_has_a_plan_with_reasons_and_its_follow_up(marts):
    assert rows(marts, """select period, scope, pick_order, institution_code, is_candidate, reason, inspection_status,
                                 inspection_id, inspection_trigger, finding
                          from marts.inspection_plan_half_year order by 1, 2, 3""") == [
        ("2024-H1", "450821", 1, "K2", True, "大病保險資金使用排名第1(30000.00元)", "not_inspected", None, None, None),
        ("2024-H1", "450821", 2, "K1", True, "大病保險資金使用排名第2(10000.00元)", "not_inspected", None, None, None),
        ("2024-H1", "city", 1, "C1", True, "大病保險資金使用排名第1(100000.00元)", "inspected", "J1", "routine",
         "duplicate_charge"),
        ("2024-H1", "city", 2, "C2", True, "大病保險資金使用排名第2(50000.00元)", "not_inspected", None, None, None),
        ("2024-H1", "city", 3, "C3", True, "大病保險資金使用排名第3(40000.00元)", "not_inspected", None, None, None),
        ("2025-H1", "450802", 1, "L1", True, "大病保險資金使用排名第1(8000.00元)", "not_inspected", None, None, None),
        ("2025-H1", "450821", 1, "K2", True, "大病保險資金使用排名第1(25000.00元)", "inspected", "J4",
         "half_year_selection", "split_admission"),
        ("2025-H1", "450821", 2, "K3", True, "大病保險資金使用排名第2(20000.00元)", "inspected", "J5", "routine",
         "hanging_bed"),
        ("2025-H1", "450821", 3, "K1", False, "候選不足,補足計劃數:大病保險資金使用排名第3(15000.00元)",
         "not_inspected", None, None, None),
        ("2025-H1", "city", 1, "C3", True, "大病保險資金使用排名第2(60000.00元);費用增速排名第1(+50.0%)", "inspected",
         "J2", "half_year_selection", "over_standard_charge"),
        ("2025-H1", "city", 2, "C5", True, "大病保險資金使用排名第3(60000.00元)", "inspected", "J3",
         "half_year_selection", "none"),
        ("2025-H1", "city", 3, "C2", False, "候選不足,補足計劃數:大病保險資金使用排名第4(40000.00元)",
         "not_inspected", None, None, None),
    ]


# ------------------------------------------------------------------ rectification

def test_rectification_deadlines_and_overdue_findings_per_county(marts):
    assert rows(marts, """select inspection_id, county_code, deadline_date, closed_date, status, days_overdue
                          from marts.rectifications order by 1""") == [
        ("J1", "450802", date(2024, 12, 30), date(2025, 3, 1), "closed_late", None),
        ("J2", "450821", date(2025, 10, 8), date(2025, 9, 1), "closed", None),
        ("J4", "450821", date(2025, 10, 18), None, "overdue", 74),  # as of 2025-12-31
        ("J5", "450821", date(2026, 2, 13), None, "open", None),
    ]
    assert rows(marts, """select county_code, as_of_date, findings, closed, closed_late, open, overdue,
                                 overdue_involved_amount, oldest_overdue_deadline
                          from marts.rectifications_by_county order by 1""") == [
        ("450802", date(2025, 12, 31), 1, 0, 1, 0, 0, D("0.00"), None),
        ("450821", date(2025, 12, 31), 3, 1, 0, 1, 1, D("5000.00"), date(2025, 10, 18)),
    ]


# ------------------------------------------------------------------ case verification

def test_a_review_of_an_unknown_settlement_is_quarantined(marts):
    assert rows(marts, "select file, line_number, reason from quarantine.case_review") == [
        ("case_review/2025-04.csv", 5, "settlement_id names no loaded settlement")]
    assert rows(marts, "select count(*) from raw.case_review") == [(5,)]


def test_a_case_concluded_in_time_or_late_is_not_past_due(marts):
    assert rows(marts, """select settlement_id, received_date, review_outcome, concluded_date, due_date, is_past_due
                          from marts.suspicious_settlements where received_date is not null order by 1""") == [
        ("S25-C3", date(2025, 4, 10), "cleared", date(2025, 6, 20), date(2025, 7, 10), False),
        ("S25-E1a", date(2025, 4, 2), "confirmed", date(2025, 9, 10), date(2025, 7, 2), False),
    ]
    # the other ten flagged settlements have no review: due three months after their month, past due
    assert rows(marts, """select count(*), count(*) filter (where is_past_due),
                                 count(*) filter (where due_date = (detected_month + interval '3 months')::date)
                          from marts.suspicious_settlements where received_date is null""") == [(10, 10, 10)]


def test_confirmed_violations_and_refused_ci_money_by_institution_and_half_year(marts):
    assert rows(marts, """select period, institution_code, managed_by, concluded_cases, confirmed_cases, cleared_cases,
                                 violating_amount, ci_refused_amount, concluded_late_cases
                          from marts.confirmed_violations_half_year order by 1, 2""") == [
        ("2025-H1", "C3", "city", 1, 0, 1, D("0.00"), D("0.00"), 0),
        ("2025-H2", "E1", "external", 1, 1, 0, D("300000.00"), D("250000.00"), 1),
    ]


# ------------------------------------------------------------------ on generated data

@pytest.fixture(scope="module")
def generated(generated_warehouse):
    """The session's generated warehouse (tests/conftest.py)."""
    with psycopg.connect(generated_warehouse[0], autocommit=True) as conn:
        yield conn


def test_generated_lists_hold_no_external_institution_and_no_falling_growth(generated):
    externals = {code for (code,) in rows(generated, "select institution_code from marts.dim_institutions "
                                                     "where managed_by = 'external'")}
    assert len(externals) == 8
    for mart in ("institution_ranking_half_year", "inspection_plan_half_year"):
        listed = {code for (code,) in rows(generated, f"select distinct institution_code from marts.{mart}")}
        assert listed and not listed & externals, mart
    assert {code for (code,) in rows(generated, "select institution_code from marts.external_ci_spending_half_year")} \
        <= externals
    assert rows(generated, """select count(*) filter (where growth_rank is not null),
                                     count(*) filter (where growth_rank is not null and growth_rate <= 0)
                              from marts.institution_ranking_half_year where period = '2025-H1'""")[0][1] == 0
    assert rows(generated, """select sum(ci_fund_usage) > 0 from marts.external_ci_spending_half_year""") == [(True,)]


def test_generated_plans_hold_three_to_six_institutions_with_reasons_and_are_followed(generated):
    plans = rows(generated, """select period, scope, count(*), bool_and(reason <> ''),
                                      count(*) filter (where inspection_status = 'inspected')
                               from marts.inspection_plan_half_year group by 1, 2 order by 1, 2""")
    scopes = ["450802", "450803", "450804", "450821", "450881", "city"]
    assert [(period, scope) for period, scope, *_ in plans] == [
        (period, scope) for period in ("2024-H1", "2024-H2", "2025-H1", "2025-H2") for scope in scopes]
    assert all(3 <= count <= 6 and reasoned for _, _, count, reasoned, _ in plans), plans
    # the generator's working group carries out most of the plans of the completed half-years
    followed = [(inspected, count) for period, _, count, _, inspected in plans if period != "2025-H2"]
    assert sum(i for i, _ in followed) >= 0.7 * sum(c for _, c in followed)


def test_generated_split_admissions_are_same_institution_readmissions_outside_z51(generated):
    """The mart's readmission flags equal an independent computation of the contract's rule on
    the effective stays of the fact; no Z51 stay, no transfer between institutions is flagged."""
    stays = rows(generated, """select settlement_id, person_key, institution_code, left(diagnosis_code, 3),
                                      admission_date, discharge_date
                               from marts.fct_settlements f
                               where visit_type = 'inpatient' and not is_reversal
                                   and not exists (select from marts.fct_settlements r
                                                   where r.reversal_of = f.settlement_id)""")
    by_person = {}
    for stay in stays:
        by_person.setdefault(stay[1], []).append(stay)
    expected, transfers = {}, 0
    for person_stays in by_person.values():
        for later in person_stays:
            gaps = [(later[4] - earlier[5]).days for earlier in person_stays
                    if earlier[0] != later[0] and earlier[3] == later[3] and 0 <= (later[4] - earlier[5]).days <= 15
                    and later[3] != "Z51" and earlier[2] == later[2]]
            transfers += any(earlier[0] != later[0] and earlier[3] == later[3] and earlier[2] != later[2]
                             and 0 <= (later[4] - earlier[5]).days <= 15 for earlier in person_stays)
            if gaps:
                expected[later[0]] = min(gaps)
    flagged = {settlement_id: int(figure) for settlement_id, figure in rows(
        generated, "select settlement_id, figure from marts.suspicious_settlements where rule_id = 'readmission'")}
    assert flagged == expected and flagged
    assert transfers > 0  # the data has transfers: the rule leaves them out
    z51 = rows(generated, """select count(*) from marts.fct_settlements
                             where visit_type = 'inpatient' and diagnosis_code like 'Z51%'""")[0][0]
    assert z51 > 0
