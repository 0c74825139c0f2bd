"""The four contract marts (docs/marts.md) on a small hand-made landing directory.

The landing directory is described in tests/marts_landing.py. Every expected value below was
worked out by hand from it and is written out literally. The pipeline runs once in this module,
with the default policy parameters: the dbt unit tests give the models landed overrides
(payable_months_excess, top_usage_city, overspend_tolerance, inspection_lookback_months,
top_usage_county), and tests/test_lists_marts.py lands a policy_parameters.csv.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import psycopg
import pytest


@pytest.fixture
def marts(marts_warehouse) -> psycopg.Connection:
    """The warehouse built from the landing directory with the default policy parameters (the
    session's marts_warehouse; a connection per test, which a copy of it made meanwhile ends)."""
    with psycopg.connect(marts_warehouse[0], autocommit=True) as conn:
        yield conn


def ym(text: str) -> date:
    """'2025-01' → 2025-01-01, the way the marts store months."""
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def rows(conn, sql: str, *params) -> list[tuple]:
    return conn.execute(sql, params).fetchall()


def pick(result: list[tuple], *months: str) -> list[tuple | None]:
    """The rows of `result` (month first) of the given 'YYYY-MM' months, in that order."""
    by_month = {row[0]: row for row in result}
    return [by_month.get(ym(month)) for month in months]


def test_the_landing_directory_loads_without_quarantine(marts):
    # Guards the expectations below: they assume every hand-made row was loaded.
    assert rows(marts, """select source, count(*), sum(rows_loaded), sum(rows_quarantined)
                          from audit.file_loads where status = 'loaded' group by 1 order by 1""") == [
        ("budgets", 1, 6, 0), ("counties", 1, 3, 0), ("fund_flows", 4, 9, 0),
        ("fund_opening_balance", 1, 3, 0), ("inspection", 6, 6, 0), ("institutions", 1, 11, 0),
        ("settlement", 5, 32, 0),
    ]


# ------------------------------------------------------------------ fund_balance_monthly

def test_fund_months_run_from_each_as_of_month_to_the_latest_month_of_any_source(marts):
    # 2025-07 holds only an inspection; 2025-03 and 2025-05 have no fund movement at all.
    months = dict(rows(marts, """select fund_code, array_agg(month order by month)
                                 from marts.fund_balance_monthly group by fund_code"""))
    assert months == {
        "employee_pooled": [ym(f"2025-{m:02d}") for m in range(1, 8)],
        "resident_basic": [ym(f"2025-{m:02d}") for m in range(3, 8)],
        "critical_illness": [ym(f"2024-{m:02d}") for m in range(3, 13)]
                            + [ym(f"2025-{m:02d}") for m in range(1, 8)],
    }


BALANCE = """select month, income, expenditure, net_flow, opening_balance, closing_balance
             from marts.fund_balance_monthly where fund_code = %s order by month"""


def test_employee_pooled_chains_its_opening_balance_through_flows_and_a_later_reversal(marts):
    # Jan: 2 income rows 150,000 + 100,000; settlements 87,000 + 3,000 + 50,000.
    # Feb: 103,000 settled, B0102's 3,000 reversed, 20,000 transferred out.
    assert rows(marts, BALANCE, "employee_pooled") == [
        (ym("2025-01"), D("250000.00"), D("140000.00"), D("110000.00"), D("2930000.00"), D("3040000.00")),
        (ym("2025-02"), D("0.00"), D("120000.00"), D("-120000.00"), D("3040000.00"), D("2920000.00")),
        (ym("2025-03"), D("0.00"), D("0.00"), D("0.00"), D("2920000.00"), D("2920000.00")),
        (ym("2025-04"), D("50000.00"), D("420000.00"), D("-370000.00"), D("2920000.00"), D("2550000.00")),
        (ym("2025-05"), D("0.00"), D("0.00"), D("0.00"), D("2550000.00"), D("2550000.00")),
        (ym("2025-06"), D("10000.00"), D("0.00"), D("10000.00"), D("2550000.00"), D("2560000.00")),
        (ym("2025-07"), D("0.00"), D("0.00"), D("0.00"), D("2560000.00"), D("2560000.00")),
    ]


def test_resident_basic_counts_only_resident_settlements_from_its_as_of_month(marts):
    # The resident settlements of Jan/Feb and the Jan subsidy precede as_of_month 2025-03;
    # employee settlements never reach this fund.
    assert rows(marts, BALANCE, "resident_basic") == [
        (ym("2025-03"), D("0.00"), D("0.00"), D("0.00"), D("240000.00"), D("240000.00")),
        (ym("2025-04"), D("60000.00"), D("30000.00"), D("30000.00"), D("240000.00"), D("270000.00")),
        (ym("2025-05"), D("0.00"), D("0.00"), D("0.00"), D("270000.00"), D("270000.00")),
        (ym("2025-06"), D("0.00"), D("157500.00"), D("-157500.00"), D("270000.00"), D("112500.00")),
        (ym("2025-07"), D("0.00"), D("0.00"), D("0.00"), D("112500.00"), D("112500.00")),
    ]


def test_critical_illness_spends_the_ci_paid_of_all_settlements_net_of_reversals(marts):
    # 2025-01: nine CI settlements plus B0120 (5,000) and B0121 (7,000) = 1,672,000;
    # 2025-02: only the reversal of B0121; 2025-04: 200,000 less the reversal of B0120.
    balances = rows(marts, BALANCE, "critical_illness")
    assert pick(balances, "2024-03", "2024-04", "2024-07", "2025-01", "2025-02", "2025-04", "2025-07") == [
        (ym("2024-03"), D("0.00"), D("1149999.99"), D("-1149999.99"), D("2852000.00"), D("1702000.01")),
        (ym("2024-04"), D("0.00"), D("0.00"), D("0.00"), D("1702000.01"), D("1702000.01")),
        (ym("2024-07"), D("0.00"), D("3000.00"), D("-3000.00"), D("1702000.01"), D("1699000.01")),
        (ym("2025-01"), D("799999.99"), D("1672000.00"), D("-872000.01"), D("1699000.01"), D("827000.00")),
        (ym("2025-02"), D("0.00"), D("-7000.00"), D("7000.00"), D("827000.00"), D("834000.00")),
        (ym("2025-04"), D("0.00"), D("195000.00"), D("-195000.00"), D("834000.00"), D("639000.00")),
        (ym("2025-07"), D("0.00"), D("0.00"), D("0.00"), D("639000.00"), D("639000.00")),
    ]


# ------------------------------------------------------------------ fund_payable_months

PAYABLE = """select month, closing_balance, avg_monthly_expenditure, payable_months, status
             from marts.fund_payable_months where fund_code = %s order by month"""


def test_employee_pooled_averages_all_months_since_as_of_and_is_excess_only_above_15(marts):
    # Fewer than 12 months: Mar averages (140,000 + 120,000 + 0) / 3; Apr is exactly 15 months.
    assert rows(marts, PAYABLE, "employee_pooled") == [
        (ym("2025-01"), D("3040000.00"), D("140000.00"), D("21.714286"), "excess"),
        (ym("2025-02"), D("2920000.00"), D("130000.00"), D("22.461538"), "excess"),
        (ym("2025-03"), D("2920000.00"), D("86666.67"), D("33.692308"), "excess"),
        (ym("2025-04"), D("2550000.00"), D("170000.00"), D("15.000000"), "normal"),
        (ym("2025-05"), D("2550000.00"), D("136000.00"), D("18.750000"), "excess"),
        (ym("2025-06"), D("2560000.00"), D("113333.33"), D("22.588235"), "excess"),
        (ym("2025-07"), D("2560000.00"), D("97142.86"), D("26.352941"), "excess"),
    ]


def test_resident_basic_is_never_excess_and_has_no_payable_months_without_expenditure(marts):
    # Mar: nothing spent yet, so no ratio. Apr/May above 15 stay normal (resident fund);
    # Jun is critical; Jul is exactly 3 months, low rather than critical.
    assert rows(marts, PAYABLE, "resident_basic") == [
        (ym("2025-03"), D("240000.00"), D("0.00"), None, "normal"),
        (ym("2025-04"), D("270000.00"), D("15000.00"), D("18.000000"), "normal"),
        (ym("2025-05"), D("270000.00"), D("10000.00"), D("27.000000"), "normal"),
        (ym("2025-06"), D("112500.00"), D("46875.00"), D("2.400000"), "critical"),
        (ym("2025-07"), D("112500.00"), D("37500.00"), D("3.000000"), "low"),
    ]


def test_payable_months_average_the_last_12_months_once_a_fund_has_them(marts):
    # critical_illness from 2024-03. 2025-01: 11 months, 2,824,999.99 / 11. 2025-02: 12 months
    # still including 2024-03's 1,149,999.99. 2025-03: 2024-03 drops out, 1,668,000 / 12 =
    # 139,000 and 834,000 is exactly 6 months (normal, not low). 2025-07: 2024-07 drops out.
    payable = rows(marts, PAYABLE, "critical_illness")
    assert pick(payable, "2024-03", "2025-01", "2025-02", "2025-03", "2025-04", "2025-07") == [
        (ym("2024-03"), D("1702000.01"), D("1149999.99"), D("1.480000"), "critical"),
        (ym("2025-01"), D("827000.00"), D("256818.18"), D("3.220177"), "low"),
        (ym("2025-02"), D("834000.00"), D("234833.33"), D("3.551455"), "low"),
        (ym("2025-03"), D("834000.00"), D("139000.00"), D("6.000000"), "normal"),
        (ym("2025-04"), D("639000.00"), D("155250.00"), D("4.115942"), "low"),
        (ym("2025-07"), D("639000.00"), D("155000.00"), D("4.122581"), "low"),
    ]


# ------------------------------------------------------------------ institution_ranking_half_year

def test_ranking_has_a_row_per_half_year_and_institution_with_ci_usage(marts):
    # K4's only CI settlement is reversed (net 0); P1 has no settlement at all. C1's 3,000
    # settled on 2024-07-01 belongs to 2024-H2.
    assert rows(marts, """select period, institution_code, ci_fund_usage
                          from marts.institution_ranking_half_year order by 1, 2""") == [
        ("2024-H1", "C1", D("400000.00")), ("2024-H1", "C2", D("200000.00")),
        ("2024-H1", "C3", D("99999.99")), ("2024-H1", "C4", D("100000.00")),
        ("2024-H1", "C5", D("150000.00")), ("2024-H1", "K2", D("200000.00")),
        ("2024-H2", "C1", D("3000.00")),
        ("2025-H1", "C1", D("500000.00")), ("2025-H1", "C2", D("500000.00")),
        ("2025-H1", "C3", D("300000.00")), ("2025-H1", "C4", D("200000.00")),
        ("2025-H1", "C5", D("120000.00")), ("2025-H1", "C6", D("100000.00")),
        ("2025-H1", "K1", D("50000.00")), ("2025-H1", "K2", D("80000.00")),
        ("2025-H1", "K3", D("10000.00")),
    ]


RANKING = """select institution_code, county_code, ci_fund_usage, usage_rank, prev_ci_fund_usage,
                    growth_rate, growth_rank, is_top_usage, is_top_growth
             from marts.institution_ranking_half_year
             where period = %s and scope = %s order by usage_rank"""


def test_city_institutions_rank_by_usage_and_growth_with_ties_by_code(marts):
    # C1 and C2 tie on usage: C1 first. C3's previous 99,999.99 is below growth_min_base
    # (no growth rate); C4's 100,000.00 is not. C5 is city-managed although in county 450821;
    # it falls (−20 %): no growth rank.
    assert rows(marts, RANKING, "2025-H1", "city") == [
        ("C1", "450802", D("500000.00"), 1, D("400000.00"), D("0.250000"), 3, True, True),
        ("C2", "450802", D("500000.00"), 2, D("200000.00"), D("1.500000"), 1, True, True),
        ("C3", "450802", D("300000.00"), 3, D("99999.99"), None, None, True, False),
        ("C4", "450802", D("200000.00"), 4, D("100000.00"), D("1.000000"), 2, False, True),
        ("C5", "450821", D("120000.00"), 5, D("150000.00"), D("-0.200000"), None, False, False),
        ("C6", "450802", D("100000.00"), 6, D("0.00"), None, None, False, False),
    ]


def test_county_institutions_rank_within_their_county_without_growth_rank(marts):
    assert rows(marts, RANKING, "2025-H1", "450821") == [
        ("K2", "450821", D("80000.00"), 1, D("200000.00"), D("-0.600000"), None, True, False),
        ("K1", "450821", D("50000.00"), 2, D("0.00"), None, None, True, False),
    ]
    assert rows(marts, RANKING, "2025-H1", "450881") == [
        ("K3", "450881", D("10000.00"), 1, D("0.00"), None, None, True, False),
    ]


def test_first_half_year_has_no_growth_rates_without_a_previous_year(marts):
    assert rows(marts, RANKING, "2024-H1", "city") == [
        ("C1", "450802", D("400000.00"), 1, D("0.00"), None, None, True, False),
        ("C2", "450802", D("200000.00"), 2, D("0.00"), None, None, True, False),
        ("C5", "450821", D("150000.00"), 3, D("0.00"), None, None, True, False),
        ("C4", "450802", D("100000.00"), 4, D("0.00"), None, None, False, False),
        ("C3", "450802", D("99999.99"), 5, D("0.00"), None, None, False, False),
    ]


INSPECTED = """select institution_code, last_onsite_date, recently_inspected, is_candidate
               from marts.institution_ranking_half_year where period = %s order by institution_code"""


def test_recent_inspection_looks_back_12_months_from_the_period_end(marts):
    # Period end 2025-06-30: C1's onsite of 2024-06-30 is not recent, C2's flying inspection of
    # 2024-07-01 is. C3's online_audit never counts and its onsite of 2025-07-05 is after the
    # period. C4 is a candidate by growth only; C5 and C6 are in neither list.
    assert rows(marts, INSPECTED, "2025-H1") == [
        ("C1", date(2024, 6, 30), False, True),
        ("C2", date(2024, 7, 1), True, False),
        ("C3", None, False, True),
        ("C4", None, False, True),
        ("C5", date(2025, 2, 10), True, False),
        ("C6", None, False, False),
        ("K1", date(2025, 1, 15), True, False),
        ("K2", None, False, True),
        ("K3", None, False, True),
    ]


def test_an_inspection_on_the_period_end_counts_for_that_period(marts):
    # Period end 2024-06-30: C1's onsite of that day is recent; C2's of 2024-07-01 is later.
    assert rows(marts, INSPECTED, "2024-H1")[:2] == [
        ("C1", date(2024, 6, 30), True, False),
        ("C2", None, False, True),
    ]


# ------------------------------------------------------------------ institution_overspend

def test_overspend_months_run_from_january_to_the_latest_settlement_month_of_the_year(marts):
    # 2024: settlements up to 2024-07 (C1 is the only budget). 2025: up to 2025-04 although
    # inspections reach 2025-07; P1 has a budget and no settlement.
    months = rows(marts, """select year, institution_code, array_agg(month order by month)
                            from marts.institution_overspend group by 1, 2 order by 1, 2""")
    months_2025 = [ym(f"2025-{m:02d}") for m in range(1, 5)]
    assert months == [
        (2024, "C1", [ym(f"2024-{m:02d}") for m in range(1, 8)]),
        (2025, "C1", months_2025), (2025, "C2", months_2025), (2025, "K1", months_2025),
        (2025, "K2", months_2025), (2025, "P1", months_2025),
    ]


OVERSPEND = """select month, annual_budget, ytd_budget, ytd_expenditure, overspend_amount,
                      overspend_rate, projected_expenditure, projected_overspend_rate, band
               from marts.institution_overspend
               where year = 2025 and institution_code = %s order by month"""

EXPECTED_OVERSPEND = {
    # Both schemes; Feb nets the reversal of January's 3,000; nothing is settled in March.
    "C1": [
        (ym("2025-01"), D("1200000.00"), D("100000.00"), D("90000.00"), D("-10000.00"),
         D("-0.100000"), D("1080000.00"), D("-0.100000"), "under"),
        (ym("2025-02"), D("1200000.00"), D("200000.00"), D("210000.00"), D("10000.00"),
         D("0.050000"), D("1260000.00"), D("0.050000"), "tolerated"),
        (ym("2025-03"), D("1200000.00"), D("300000.00"), D("210000.00"), D("-90000.00"),
         D("-0.300000"), D("840000.00"), D("-0.300000"), "under"),
        (ym("2025-04"), D("1200000.00"), D("400000.00"), D("460000.00"), D("60000.00"),
         D("0.150000"), D("1380000.00"), D("0.150000"), "over"),
    ],
    # Exactly on budget is `under`; exactly 10 % over is `tolerated`.
    "C2": [
        (ym("2025-01"), D("600000.00"), D("50000.00"), D("50000.00"), D("0.00"),
         D("0.000000"), D("600000.00"), D("0.000000"), "under"),
        (ym("2025-02"), D("600000.00"), D("100000.00"), D("50000.00"), D("-50000.00"),
         D("-0.500000"), D("300000.00"), D("-0.500000"), "under"),
        (ym("2025-03"), D("600000.00"), D("150000.00"), D("50000.00"), D("-100000.00"),
         D("-0.666667"), D("200000.00"), D("-0.666667"), "under"),
        (ym("2025-04"), D("600000.00"), D("200000.00"), D("220000.00"), D("20000.00"),
         D("0.100000"), D("660000.00"), D("0.100000"), "tolerated"),
    ],
    # 100,000 a year: the year-to-date budget is rounded to fen.
    "K1": [
        (ym("2025-01"), D("100000.00"), D("8333.33"), D("10000.00"), D("1666.67"),
         D("0.200000"), D("120000.00"), D("0.200000"), "over"),
        (ym("2025-02"), D("100000.00"), D("16666.67"), D("10000.00"), D("-6666.67"),
         D("-0.400000"), D("60000.00"), D("-0.400000"), "under"),
        (ym("2025-03"), D("100000.00"), D("25000.00"), D("10000.00"), D("-15000.00"),
         D("-0.600000"), D("40000.00"), D("-0.600000"), "under"),
        (ym("2025-04"), D("100000.00"), D("33333.33"), D("40000.00"), D("6666.67"),
         D("0.200000"), D("120000.00"), D("0.200000"), "over"),
    ],
    # A zero budget: no rates, and any spending is over.
    "K2": [
        (ym("2025-01"), D("0.00"), D("0.00"), D("5000.00"), D("5000.00"), None, D("60000.00"), None, "over"),
        (ym("2025-02"), D("0.00"), D("0.00"), D("5000.00"), D("5000.00"), None, D("30000.00"), None, "over"),
        (ym("2025-03"), D("0.00"), D("0.00"), D("5000.00"), D("5000.00"), None, D("20000.00"), None, "over"),
        (ym("2025-04"), D("0.00"), D("0.00"), D("5000.00"), D("5000.00"), None, D("15000.00"), None, "over"),
    ],
    # A budget without any settlement.
    "P1": [
        (ym("2025-01"), D("120000.00"), D("10000.00"), D("0.00"), D("-10000.00"),
         D("-1.000000"), D("0.00"), D("-1.000000"), "under"),
        (ym("2025-02"), D("120000.00"), D("20000.00"), D("0.00"), D("-20000.00"),
         D("-1.000000"), D("0.00"), D("-1.000000"), "under"),
        (ym("2025-03"), D("120000.00"), D("30000.00"), D("0.00"), D("-30000.00"),
         D("-1.000000"), D("0.00"), D("-1.000000"), "under"),
        (ym("2025-04"), D("120000.00"), D("40000.00"), D("0.00"), D("-40000.00"),
         D("-1.000000"), D("0.00"), D("-1.000000"), "under"),
    ],
}


@pytest.mark.parametrize("institution_code", EXPECTED_OVERSPEND)
def test_overspend_year_to_date_projection_and_band(marts, institution_code):
    assert rows(marts, OVERSPEND, institution_code) == EXPECTED_OVERSPEND[institution_code]
