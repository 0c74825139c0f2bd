"""A small hand-made landing directory for the mart tests (tests/test_marts.py).

Every amount is chosen so that the marts' values can be worked out by hand; test_marts.py
writes those values out. The stories, by mart:

Funds (fund_balance_monthly, fund_payable_months), data months 2024-03 … 2025-07:
  employee_pooled   from 2025-01, opening 2,930,000.00. Settlements (employee pooled_fund_paid):
                    Jan 140,000 (B0102's 3,000 included), Feb 100,000 (103,000 − the reversal
                    of B0102), Apr 420,000. Fund flows: Jan income 250,000 (two rows), Feb
                    expense 20,000, Apr income 50,000, Jun income 10,000.
  resident_basic    from 2025-03, opening 240,000.00: the resident settlements of Jan and Feb
                    and the Jan fund flow come before it. Apr settlements 30,000 and income
                    60,000, Jun expense 157,500.
  critical_illness  from 2024-03, opening 2,852,000.00. critical_illness_paid of all
                    settlements: 2024-03 1,149,999.99, 2024-07 3,000, 2025-01 1,672,000, 2025-02
                    −7,000 (a reversal only), 2025-04 195,000. Income 799,999.99 in 2025-01.
  No fund moves in 2025-03, 2025-05 or 2025-07; 2025-07 is the latest month only because of an
  inspection.

Rankings (institution_ranking_half_year), CI usage 2025-H1 (2024-H1 in brackets):
  city   C1 500,000 (400,000)   C2 500,000 (200,000)   C3 300,000 (99,999.99)
         C4 200,000 (100,000)   C5 120,000 (150,000)   C6 100,000 (none)
         C5 is city-managed but lies in county 450821.
  450821 K1 50,000 (none)       K2 80,000 (200,000)
  450881 K3 10,000 (15,000 less a 5,000 reversal)      K4 0 (7,000 reversed)
  C1 also has 3,000 settled on 2024-07-01 (2024-H2).
  Inspections: C1 onsite 2024-06-30, C2 flying 2024-07-01, K1 special 2025-01-15, C5
  joint_patrol 2025-02-10, C3 online_audit 2025-06-15 and onsite 2025-07-05.

Budgets (institution_overspend): 2024 C1 1,200,000; 2025 C1 1,200,000, C2 600,000, K1 100,000,
  K2 0, P1 120,000 (P1 has no settlements). Pooled fund paid (both schemes) in 2025:
  C1 Jan 90,000, Feb 120,000, Apr 250,000; C2 Jan 50,000, Apr 170,000; K1 Jan 10,000,
  Apr 30,000; K2 Jan 5,000. The latest settlement months are 2024-07 and 2025-04.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.landing_files import settlement, write_csv

COUNTIES = [
    {"county_code": "450802", "county_name": "港北區", "registered_population": "800000"},
    {"county_code": "450821", "county_name": "平南縣", "registered_population": "1200000"},
    {"county_code": "450881", "county_name": "桂平市", "registered_population": "1900000"},
]


def institution(code: str, name: str, county_code: str, managed_by: str,
                institution_type: str = "hospital", level: str = "2") -> dict:
    return {"institution_code": code, "institution_name": name, "institution_type": institution_type,
            "hospital_level": level, "ownership": "public", "county_code": county_code,
            "managed_by": managed_by, "beds": ""}


INSTITUTIONS = [
    institution("C1", "貴港市人民醫院", "450802", "city", level="3"),
    institution("C2", "貴港市中醫醫院", "450802", "city", level="3"),
    institution("C3", "貴港市婦幼保健院", "450802", "city"),
    institution("C4", "貴港市第二人民醫院", "450802", "city"),
    institution("C5", "貴港市紅十字會醫院", "450821", "city"),
    institution("C6", "貴港市口腔醫院", "450802", "city", level="0"),
    institution("K1", "平南縣人民醫院", "450821", "county"),
    institution("K2", "平南縣中醫醫院", "450821", "county"),
    institution("K3", "桂平市人民醫院", "450881", "county"),
    institution("K4", "桂平市大洋鎮衛生院", "450881", "county", "primary", "1"),
    institution("P1", "桂平市民生大藥房", "450881", "county", "pharmacy", "0"),
]

BUDGETS = [
    {"year": "2024", "institution_code": "C1", "annual_budget": "1200000.00"},
    {"year": "2025", "institution_code": "C1", "annual_budget": "1200000.00"},
    {"year": "2025", "institution_code": "C2", "annual_budget": "600000.00"},
    {"year": "2025", "institution_code": "K1", "annual_budget": "100000.00"},
    {"year": "2025", "institution_code": "K2", "annual_budget": "0.00"},
    {"year": "2025", "institution_code": "P1", "annual_budget": "120000.00"},
]

FUND_OPENING_BALANCES = [
    {"fund_code": "employee_pooled", "as_of_month": "2025-01", "opening_balance": "2930000.00"},
    {"fund_code": "resident_basic", "as_of_month": "2025-03", "opening_balance": "240000.00"},
    {"fund_code": "critical_illness", "as_of_month": "2024-03", "opening_balance": "2852000.00"},
]


def paid(settlement_id: str, institution_code: str, settlement_date: str, *, scheme: str = "employee",
         pooled: str = "0.00", ci: str = "0.00", reversal_of: str = "") -> dict:
    """A settlement paying `pooled` from the scheme's pooled fund and `ci` from CI insurance.

    Nothing else is paid and the whole cost is drug cost, so the row rules hold. A reversal
    (reversal_of set) gives negative amounts.
    """
    total = str(Decimal(pooled) + Decimal(ci))
    return settlement(
        settlement_id, reversal_of=reversal_of, institution_code=institution_code, scheme=scheme,
        settlement_date=settlement_date, total_cost=total, eligible_cost=total, drug_cost=total,
        exam_cost="0", treatment_cost="0", material_cost="0", other_cost="0",
        pooled_fund_paid=pooled, critical_illness_paid=ci, assistance_paid="0", account_paid="0",
        cash_paid="0",
    )


SETTLEMENTS = {
    "2024-03": [  # 2024-H1: the previous year's CI usage of the 2025-H1 ranking
        paid("A2401", "C1", "2024-03-05", scheme="resident", ci="400000.00"),
        paid("A2402", "C2", "2024-03-05", scheme="resident", ci="200000.00"),
        paid("A2403", "C3", "2024-03-05", scheme="resident", ci="99999.99"),
        paid("A2404", "C4", "2024-03-05", scheme="resident", ci="100000.00"),
        paid("A2405", "C5", "2024-03-05", scheme="resident", ci="150000.00"),
        paid("A2406", "K2", "2024-03-05", scheme="resident", ci="200000.00"),
    ],
    "2024-07": [
        paid("A2407", "C1", "2024-07-01", scheme="resident", ci="3000.00"),
    ],
    "2025-01": [
        paid("B0101", "C1", "2025-01-10", pooled="87000.00"),
        paid("B0102", "C1", "2025-01-20", pooled="3000.00"),
        paid("B0103", "C2", "2025-01-10", pooled="50000.00"),
        paid("B0104", "K1", "2025-01-10", scheme="resident", pooled="10000.00"),
        paid("B0105", "K2", "2025-01-10", scheme="resident", pooled="5000.00"),
        paid("B0111", "C1", "2025-01-15", scheme="resident", ci="300000.00"),
        paid("B0112", "C2", "2025-01-15", scheme="resident", ci="500000.00"),
        paid("B0113", "C3", "2025-01-15", scheme="resident", ci="300000.00"),
        paid("B0114", "C4", "2025-01-15", scheme="resident", ci="200000.00"),
        paid("B0115", "C5", "2025-01-15", scheme="resident", ci="120000.00"),
        paid("B0116", "C6", "2025-01-15", scheme="resident", ci="100000.00"),
        paid("B0117", "K1", "2025-01-15", scheme="resident", ci="50000.00"),
        paid("B0118", "K2", "2025-01-15", scheme="resident", ci="80000.00"),
        paid("B0119", "K3", "2025-01-15", scheme="resident", ci="10000.00"),
        paid("B0120", "K3", "2025-01-16", scheme="resident", ci="5000.00"),
        paid("B0121", "K4", "2025-01-16", scheme="resident", ci="7000.00"),
    ],
    "2025-02": [
        paid("B0201", "C1", "2025-02-03", pooled="-3000.00", reversal_of="B0102"),
        paid("B0202", "C1", "2025-02-10", pooled="103000.00"),
        paid("B0203", "C1", "2025-02-10", scheme="resident", pooled="20000.00"),
        paid("B0204", "K4", "2025-02-03", scheme="resident", ci="-7000.00", reversal_of="B0121"),
    ],
    "2025-04": [
        paid("B0401", "C1", "2025-04-10", pooled="250000.00"),
        paid("B0402", "C2", "2025-04-10", pooled="170000.00"),
        paid("B0403", "K1", "2025-04-10", scheme="resident", pooled="30000.00"),
        paid("B0404", "C1", "2025-04-15", scheme="resident", ci="200000.00"),
        paid("B0405", "K3", "2025-04-03", scheme="resident", ci="-5000.00", reversal_of="B0120"),
    ],
}


def flow(month: str, fund_code: str, direction: str, item: str, amount: str,
         county_code: str = "450802") -> dict:
    return {"month": month, "fund_code": fund_code, "county_code": county_code,
            "direction": direction, "item": item, "amount": amount}


FUND_FLOWS = {
    "2025-01": [
        flow("2025-01", "employee_pooled", "income", "contribution_employer", "150000.00"),
        flow("2025-01", "employee_pooled", "income", "contribution_personal", "100000.00", "450821"),
        flow("2025-01", "critical_illness", "income", "transfer_in", "799999.99"),
        flow("2025-01", "resident_basic", "income", "fiscal_subsidy", "1000000.00"),  # before as_of_month
    ],
    "2025-02": [
        flow("2025-02", "employee_pooled", "expense", "transfer_out", "20000.00"),
    ],
    "2025-04": [
        flow("2025-04", "employee_pooled", "income", "contribution_personal", "50000.00"),
        flow("2025-04", "resident_basic", "income", "fiscal_subsidy", "60000.00", "450821"),
    ],
    "2025-06": [
        flow("2025-06", "employee_pooled", "income", "interest", "10000.00"),
        flow("2025-06", "resident_basic", "expense", "transfer_out", "157500.00"),
    ],
}


def inspection(inspection_id: str, institution_code: str, inspection_date: str, kind: str) -> dict:
    return {"inspection_id": inspection_id, "institution_code": institution_code,
            "inspection_date": inspection_date, "kind": kind, "trigger": "half_year_selection",
            "finding": "none", "involved_amount": "0", "recovered_amount": "0", "penalty_amount": "0",
            "fine_amount": "0", "action": "none", "demerit_points": "0", "closed_date": ""}


INSPECTIONS = {
    "2024-06": [inspection("I01", "C1", "2024-06-30", "onsite")],
    "2024-07": [inspection("I02", "C2", "2024-07-01", "flying")],
    "2025-01": [inspection("I03", "K1", "2025-01-15", "special")],
    "2025-02": [inspection("I04", "C5", "2025-02-10", "joint_patrol")],
    "2025-06": [inspection("I05", "C3", "2025-06-15", "online_audit")],
    "2025-07": [inspection("I06", "C3", "2025-07-05", "onsite")],
}


def write_marts_landing(root: Path) -> Path:
    """Write the landing directory above under `root` (no policy_parameters.csv: the defaults)."""
    reference = root / "reference"
    write_csv(reference / "counties.csv", "counties", COUNTIES)
    write_csv(reference / "institutions.csv", "institutions", INSTITUTIONS)
    write_csv(reference / "budgets.csv", "budgets", BUDGETS)
    write_csv(reference / "fund_opening_balance.csv", "fund_opening_balance", FUND_OPENING_BALANCES)
    for source, files in (("settlement", SETTLEMENTS), ("fund_flows", FUND_FLOWS),
                          ("inspection", INSPECTIONS)):
        for month, rows in files.items():
            write_csv(root / source / f"{month}.csv", source, rows)
    return root
