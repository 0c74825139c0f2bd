"""The inspection, institution-indicator and enrollment marts on a small hand-made landing.

The landing directory is described in tests/supervision_landing.py; every expected value below
was worked out by hand from it. The pipeline runs once in this module.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from tests.supervision_landing import write_supervision_landing


@pytest.fixture(scope="module")
def marts(built_warehouse, tmp_path_factory):
    return built_warehouse(write_supervision_landing(tmp_path_factory.mktemp("supervision_landing")))


def ym(text: str) -> date:
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def test_the_landing_directory_loads_without_quarantine(marts):
    assert marts.execute("""select source, sum(rows_loaded), sum(rows_quarantined) from audit.file_loads
                            where source in ('settlement', 'enrollment', 'inspection') and status = 'loaded'
                            group by source order by source""").fetchall() == [
        ("enrollment", 8, 0), ("inspection", 7, 0), ("settlement", 10, 0)]


# ------------------------------------------------------------------ inspection coverage

def test_onsite_coverage_counts_institutions_inspected_on_site(marts):
    rows = marts.execute("""
        select county_code, institution_type, institution_count, inspected_institutions,
               onsite_inspected_institutions, inspections, onsite_inspections, onsite_coverage_rate
        from marts.inspection_coverage_half_year where period = '2025-H1' order by 1, 2""").fetchall()
    assert rows == [
        # A1: a flying inspection (on site) and an online audit; A2, X1 not inspected
        ("450802", "clinic", 1, 0, 0, 0, 0, D("0")),
        ("450802", "hospital", 3, 1, 1, 2, 1, D("0.333333")),
        ("450802", "pharmacy", 0, 0, 0, 0, 0, None),
        ("450802", "primary", 0, 0, 0, 0, 0, None),
        ("450821", "clinic", 0, 0, 0, 0, 0, None),
        ("450821", "hospital", 2, 1, 1, 1, 1, D("0.5")),  # A3 joint patrol; A4 not inspected
        ("450821", "pharmacy", 1, 1, 1, 1, 1, D("1")),  # Q1 special inspection
        ("450821", "primary", 0, 0, 0, 0, 0, None),
    ]
    # an online audit is an inspection but not on site
    assert marts.execute("""select inspected_institutions, onsite_inspected_institutions, onsite_coverage_rate
                            from marts.inspection_coverage_half_year
                            where period = '2024-H2' and county_code = '450802' and institution_type = 'clinic'
                         """).fetchone() == (1, 0, D("0"))
    assert marts.execute("select count(*), count(distinct period) from marts.inspection_coverage_half_year"
                         ).fetchone() == (32, 4)


# ------------------------------------------------------------------ inspection results

def results(marts, period: str, county: str = "450802", institution_type: str = "hospital") -> dict:
    return {metric: rest for metric, *rest in marts.execute("""
        select metric, value, prev_year_value, yoy_change, yoy_change_rate from marts.inspection_results
        where period = %s and county_code = %s and institution_type = %s and (value <> 0 or prev_year_value <> 0)
        """, [period, county, institution_type])}


def test_inspection_results_of_a_year_against_the_previous_one(marts):
    # 2025: J3 (flying, hanging bed, suspended, fined), J4 (online audit, duplicate charge,
    # rectify), J7 (A2 on site, clean); 2024: J1 (on site, over-standard charge, interview).
    assert results(marts, "2025") == {
        "inspections": [D(3), D(1), D(2), D(2)],
        "onsite_inspections": [D(2), D(1), D(1), D(1)],
        "inspected_institutions": [D(2), D(1), D(1), D(1)],
        "violating_institutions": [D(1), D(1), D(0), D(0)],
        "finding_hanging_bed": [D(1), D(0), D(1), None],
        "finding_duplicate_charge": [D(1), D(0), D(1), None],
        "finding_over_standard_charge": [D(0), D(1), D(-1), D(-1)],
        "action_suspend": [D(1), D(0), D(1), None],
        "action_rectify": [D(1), D(0), D(1), None],
        "action_interview": [D(0), D(1), D(-1), D(-1)],
        "fined_cases": [D(1), D(0), D(1), None],
        "involved_amount": [D(52000), D(10000), D(42000), D("4.2")],
        "recovered_amount": [D(42000), D(8000), D(34000), D("4.25")],
        "penalty_amount": [D(20000), D(1000), D(19000), D(19)],
        "fine_amount": [D(60000), D(0), D(60000), None],
        "demerit_points": [D(6), D(2), D(4), D(2)],
    }


def test_the_first_year_has_no_previous_year_and_half_years_compare_the_same_half(marts):
    assert all(prev is None for _, prev, _, _ in results(marts, "2024").values())
    assert results(marts, "2025-H2") == {  # J7 against nothing in 2024-H2
        "inspections": [D(1), D(0), D(1), None], "onsite_inspections": [D(1), D(0), D(1), None],
        "inspected_institutions": [D(1), D(0), D(1), None]}
    assert results(marts, "2024-H2", institution_type="clinic") == {
        "inspections": [D(1), None, None, None], "inspected_institutions": [D(1), None, None, None]}
    # every period × county × type × metric, zero-filled: (2 years + 4 halves) × 2 × 4 × 25
    assert marts.execute("select count(*) from marts.inspection_results").fetchone() == (1200,)


# ------------------------------------------------------------------ demerit points

def test_demerit_points_by_month_and_quarter_with_year_to_date(marts):
    assert marts.execute("""select month, institution_code, demerit_points, inspections_with_points, ytd_demerit_points
                            from marts.institution_demerit_points_monthly order by month, institution_code""").fetchall() == [
        (ym("2024-03"), "A1", 2, 1, 2),
        (ym("2025-02"), "A1", 5, 1, 5),  # a new year starts from zero
        (ym("2025-03"), "A1", 1, 1, 6),
        (ym("2025-05"), "Q1", 2, 1, 2),
    ]
    assert marts.execute("""select period, institution_code, demerit_points, inspections_with_points, ytd_demerit_points
                            from marts.institution_demerit_points_quarterly order by period, institution_code""").fetchall() == [
        ("2024-Q1", "A1", 2, 1, 2), ("2025-Q1", "A1", 6, 2, 6), ("2025-Q2", "Q1", 2, 1, 2)]


# ------------------------------------------------------------------ institution indicators

def test_indicators_leave_out_reversed_stays_and_out_of_area_care(marts):
    rows = marts.execute("""select institution_code, indicator, value, numerator, denominator
                            from marts.institution_indicators_half_year where period = '2025-H1'
                            order by institution_code, indicator""").fetchall()
    assert rows == [
        ("A1", "admissions_per_person", D("2"), D(2), D(1)),
        ("A1", "cost_per_bed_day", D("1428.571429"), D(10000), D(7)),  # 5 + 2 bed-days
        ("A1", "cost_per_stay", D("5000"), D(10000), D(2)),  # B3 (reversed) left out
        ("A1", "drug_share", D("0.314286"), D(3300), D(10500)),
        ("A1", "self_pay_share", D("0.114286"), D(1200), D(10500)),
        ("A2", "admissions_per_person", D("1"), D(1), D(1)),
        ("A2", "cost_per_bed_day", D("1000"), D(3000), D(3)),
        ("A2", "cost_per_stay", D("3000"), D(3000), D(1)),
        ("A2", "drug_share", D("0.3"), D(900), D(3000)),
        ("A2", "self_pay_share", D("0.1"), D(300), D(3000)),
        ("A3", "admissions_per_person", D("1"), D(1), D(1)),
        ("A3", "cost_per_bed_day", D("2000"), D(2000), D(1)),  # a same-day stay is one bed-day
        ("A3", "cost_per_stay", D("2000"), D(2000), D(1)),
        ("A3", "drug_share", D("0.5"), D(1000), D(2000)),
        ("A3", "self_pay_share", D("0.5"), D(1000), D(2000)),
        ("C1", "drug_share", D("0.6"), D(60), D(100)),
        ("C1", "self_pay_share", D("0.4"), D(40), D(100)),
        ("Q1", "drug_share", D("1"), D(50), D(50)),
        ("Q1", "self_pay_share", D("1"), D(50), D(50)),  # personal account counts as self-paid
    ]  # X1 has only out-of-area care: no row


def test_indicators_against_the_median_and_90th_percentile_of_their_peers(marts):
    # Peers of A1, A2, A3: level-2 hospitals. p90 interpolates: with sorted values v1 ≤ v2 ≤ v3
    # it is v2 + 0.8 × (v3 − v2).
    rows = marts.execute("""select indicator, institution_code, peer_count, peer_median, peer_p90, is_above_peer_p90
                            from marts.institution_indicators_half_year
                            where period = '2025-H1' and institution_type = 'hospital' and is_above_peer_p90
                            order by indicator""").fetchall()
    assert rows == [
        ("admissions_per_person", "A1", 3, D("1"), D("1.8"), True),
        ("cost_per_bed_day", "A3", 3, D("1428.571429"), D("1885.714286"), True),
        ("cost_per_stay", "A1", 3, D("3000"), D("4600"), True),
        ("drug_share", "A3", 3, D("0.314286"), D("0.462857"), True),
        ("self_pay_share", "A3", 3, D("0.114286"), D("0.422857"), True),
    ]
    # alone in its peer group, an institution is its own median and p90, never above it
    assert marts.execute("""select peer_count, peer_median, peer_p90, is_above_peer_p90
                            from marts.institution_indicators_half_year
                            where institution_code = 'C1' and indicator = 'drug_share'""").fetchone() == (
        1, D("0.6"), D("0.6"), False)


# ------------------------------------------------------------------ enrollment

def enrollment(marts, county: str, scheme: str, category: str) -> dict:
    return {month.strftime("%Y-%m"): rest for month, *rest in marts.execute("""
        select month, insured_persons, new_enrollments, ended_enrollments, enrollment_rate, fund_expenditure,
               fund_expenditure_per_insured
        from marts.enrollment_monthly where county_code = %s and scheme = %s and category = %s
        order by month""", [county, scheme, category])}


def test_insured_persons_at_each_months_end(marts):
    ordinary = enrollment(marts, "450802", "resident", "ordinary")
    assert len(ordinary) == 19  # 2024-01 … 2025-07
    assert ordinary["2024-01"] == [2, 2, 0, D("0.002"), D(0), D(0)]
    assert ordinary["2025-02"][:4] == [2, 0, 0, D("0.002")]
    assert ordinary["2025-03"][:4] == [1, 0, 1, D("0.001")]  # E2's re-delivered row ends it on 03-15
    assert ordinary["2025-07"][:4] == [1, 0, 0, D("0.001")]
    low_income = enrollment(marts, "450821", "resident", "low_income")
    # E4's low_income spell ends the day before the poverty_registered spell starts
    assert [low_income[m][:3] for m in ("2025-03", "2025-04")] == [[1, 0, 1], [0, 0, 0]]
    poverty = enrollment(marts, "450821", "resident", "poverty_registered")
    assert [poverty[m][:4] for m in ("2025-03", "2025-04")] == [[0, 0, 0, D(0)], [1, 1, 0, D("0.0005")]]
    leaver = enrollment(marts, "450821", "resident", "ordinary")
    # ending on the month's last day still counts in that month
    assert [leaver[m][:3] for m in ("2024-05", "2024-06", "2024-07")] == [[1, 0, 0], [1, 0, 1], [0, 0, 0]]
    retired = enrollment(marts, "450802", "employee", "retired")
    assert [retired[m][:2] for m in ("2025-01", "2025-02")] == [[0, 0], [1, 1]]


def test_fund_expenditure_per_insured_person_nets_reversals(marts):
    ordinary = enrollment(marts, "450802", "resident", "ordinary")
    # E1 in 2025-01: 5400 + 300 + 9999 (reversed in February); 2025-02: 3600 − 9999
    assert ordinary["2025-01"][4:] == [D(15699), D("7849.50")]
    assert ordinary["2025-02"][4:] == [D(-6399), D("-3199.50")]
    assert ordinary["2025-03"][4:] == [D(2700), D(2700)]  # E2 settled while insured
    assert ordinary["2025-05"][4:] == [D(15000), D(15000)]  # out-of-area care is fund expenditure too
    assert enrollment(marts, "450821", "resident", "poverty_registered")["2025-04"][4:] == [D(1000), D(1000)]
    assert enrollment(marts, "450802", "employee", "retired")["2025-02"][4:] == [D(60), D(60)]
    total = marts.execute("select sum(fund_expenditure) from marts.enrollment_monthly").fetchone()[0]
    assert total == marts.execute("select sum(pooled_fund_paid + critical_illness_paid) from marts.fct_settlements"
                                  ).fetchone()[0]
