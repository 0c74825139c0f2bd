"""A small hand-made landing directory for the working group's half-year lists and case work
(tests/test_lists_marts.py): external institutions, growth, the inspection plan, case reviews and
rectification. Data months 2024-03 … 2025-12; policy parameters growth_min_base 10000 and
top_usage_county 2 (the other defaults: top 3 city lists, plan of 3 to 6, rectification 90 days).

Institutions (counties 450802 港北區 and 450821 平南縣):
  city-managed    C1, C2, C5 (450802), C3, C4 (450821)
  county-managed  L1 (450802), K1 … K4 (450821)
  external        E1 深圳市人民醫院 (440304), E2 廣西壯族自治區人民醫院, filed under 450802 as the old
                  generator did: still in no county figure

CI-insurance paid (one inpatient stay each, total = 2 × CI, pooled fund = CI, of a person of its own):
  institution  2024-03 (2024-H1)   2025-03 (2025-H1)     growth 2025-H1
  C1           100000              120000                +20 %
  C2            50000               40000                −20 %
  C3            40000               60000                +50 %
  C4            20000               20000                  0 %
  C5             5000               60000                NULL (base 5000 < 10000)
  E1           300000              300000 + 200000       (external)
  E2           200000               10000                (external)
  K1 … K4      10000, 30000, -, -   15000, 25000, 20000, 5000
  L1               -                 8000

Inspections (on site unless said)              finding               involved  closed
  J1  2024-10-01 C1  routine                   duplicate_charge          8000  2025-03-01 (late)
  J2  2025-07-10 C3  half_year_selection       over_standard_charge     20000  2025-09-01
  J3  2025-08-01 C5  half_year_selection       none                         0
  J4  2025-07-20 K2  half_year_selection       split_admission           5000  open
  J5  2025-11-15 K3  routine                   hanging_bed              30000  open
  J6  2025-12-05 C4  online audit, routine     none                         0

Case reviews (case_review/YYYY-MM.csv):
  2025-04  E1's 300000 stay (R-E1a) received 04-02, pending; C3's stay received 04-10, pending;
           K2's stay received 04-15, pending; a review of settlement NOPE (quarantined)
  2025-06  C3's stay cleared 06-20
  2025-09  R-E1a confirmed 09-10: violating 300000, CI refused 250000
"""

from __future__ import annotations

from pathlib import Path

from tests.landing_files import case_review, write_csv

COUNTIES = [
    {"county_code": "450802", "county_name": "港北區", "registered_population": "1000"},
    {"county_code": "450821", "county_name": "平南縣", "registered_population": "2000"},
]


def _institution(code: str, name: str, county: str, managed_by: str) -> dict:
    return {"institution_code": code, "institution_name": name, "institution_type": "hospital",
            "hospital_level": "2", "ownership": "public", "county_code": county, "managed_by": managed_by,
            "beds": ""}


INSTITUTIONS = [
    *(_institution(code, f"市屬醫院{code}", county, "city")
      for code, county in (("C1", "450802"), ("C2", "450802"), ("C3", "450821"), ("C4", "450821"),
                           ("C5", "450802"))),
    _institution("L1", "港北區醫院L1", "450802", "county"),
    *(_institution(f"K{n}", f"平南縣醫院K{n}", "450821", "county") for n in range(1, 5)),
    _institution("E1", "深圳市人民醫院", "440304", "external"),
    _institution("E2", "廣西壯族自治區人民醫院", "450802", "external"),
]
FUND_OPENING_BALANCES = [{"fund_code": fund, "as_of_month": "2024-03", "opening_balance": "1000000.00"}
                         for fund in ("employee_pooled", "resident_basic", "critical_illness")]
POLICY = {"growth_min_base": "10000", "top_usage_county": "2"}

CI_2024 = {"C1": 100000, "C2": 50000, "C3": 40000, "C4": 20000, "C5": 5000, "E1": 300000, "E2": 200000,
           "K1": 10000, "K2": 30000}
CI_2025 = {"C1": 120000, "C2": 40000, "C3": 60000, "C4": 20000, "C5": 60000, "E1a": 300000, "E1b": 200000,
           "E2": 10000, "K1": 15000, "K2": 25000, "K3": 20000, "K4": 5000, "L1": 8000}


def ci_stay(settlement_id: str, institution: str, discharge: str, ci: int) -> dict:
    """A resident's stay of its own person: CI pays `ci`, the pooled fund as much."""
    total = f"{2 * ci:.2f}"
    return {
        "settlement_id": settlement_id, "reversal_of": "", "person_id": f"P-{settlement_id}",
        "institution_code": institution, "scheme": "resident", "visit_type": "inpatient",
        "admission_date": discharge[:8] + "01", "discharge_date": discharge, "settlement_date": discharge,
        "diagnosis_code": "C34.9", "total_cost": total, "eligible_cost": total, "drug_cost": total,
        "exam_cost": "0", "treatment_cost": "0", "material_cost": "0", "other_cost": "0",
        "pooled_fund_paid": f"{ci:.2f}", "critical_illness_paid": f"{ci:.2f}", "assistance_paid": "0",
        "account_paid": "0", "cash_paid": "0", "is_out_of_area": "1" if institution.startswith("E") else "0",
        "doctor_code": "",
    }


SETTLEMENTS = {
    "2024-03": [ci_stay(f"S24-{code}", code, "2024-03-10", ci) for code, ci in CI_2024.items()],
    "2025-03": [ci_stay(f"S25-{key}", key[:2], "2025-03-10", ci) for key, ci in CI_2025.items()],
}


def _inspection(inspection_id, institution, day, trigger, finding, involved, closed="", kind="onsite") -> dict:
    recovered = f"{int(involved) * 3 // 4}" if closed else "0"
    return {"inspection_id": inspection_id, "institution_code": institution, "inspection_date": day, "kind": kind,
            "trigger": trigger, "finding": finding, "involved_amount": involved, "recovered_amount": recovered,
            "penalty_amount": "0", "fine_amount": "0", "action": "none" if finding == "none" else "rectify",
            "demerit_points": "0", "closed_date": closed}


INSPECTIONS = [
    _inspection("J1", "C1", "2024-10-01", "routine", "duplicate_charge", "8000", "2025-03-01"),
    _inspection("J2", "C3", "2025-07-10", "half_year_selection", "over_standard_charge", "20000", "2025-09-01"),
    _inspection("J3", "C5", "2025-08-01", "half_year_selection", "none", "0"),
    _inspection("J4", "K2", "2025-07-20", "half_year_selection", "split_admission", "5000"),
    _inspection("J5", "K3", "2025-11-15", "routine", "hanging_bed", "30000"),
    _inspection("J6", "C4", "2025-12-05", "routine", "none", "0", kind="online_audit"),
]

CASE_REVIEWS = {
    "2025-04": [case_review("S25-E1a", received_date="2025-04-02", status_date="2025-04-02"),
                case_review("S25-C3", received_date="2025-04-10", status_date="2025-04-10"),
                case_review("S25-K2", received_date="2025-04-15", status_date="2025-04-15", submitted_by="bureau"),
                case_review("NOPE", received_date="2025-04-20", status_date="2025-04-20")],
    "2025-06": [case_review("S25-C3", received_date="2025-04-10", status_date="2025-06-20", outcome="cleared")],
    "2025-09": [case_review("S25-E1a", received_date="2025-04-02", status_date="2025-09-10", outcome="confirmed",
                            violating_amount="300000.00", ci_refused_amount="250000.00")],
}


def write_lists_landing(root: Path) -> Path:
    reference = root / "reference"
    write_csv(reference / "counties.csv", "counties", COUNTIES)
    write_csv(reference / "institutions.csv", "institutions", INSTITUTIONS)
    write_csv(reference / "budgets.csv", "budgets", [])
    write_csv(reference / "fund_opening_balance.csv", "fund_opening_balance", FUND_OPENING_BALANCES)
    write_csv(reference / "policy_parameters.csv", "policy_parameters",
              [{"key": key, "value": value} for key, value in POLICY.items()])
    for month, rows in SETTLEMENTS.items():
        write_csv(root / "settlement" / f"{month}.csv", "settlement", rows)
    by_month: dict[str, list[dict]] = {}
    for row in INSPECTIONS:
        by_month.setdefault(row["inspection_date"][:7], []).append(row)
    for month, rows in by_month.items():
        write_csv(root / "inspection" / f"{month}.csv", "inspection", rows)
    for month, rows in CASE_REVIEWS.items():
        write_csv(root / "case_review" / f"{month}.csv", "case_review", rows)
    return root
