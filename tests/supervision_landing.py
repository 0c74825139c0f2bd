"""A small hand-made landing directory for the inspection, indicator and enrollment marts
(tests/test_supervision_marts.py). Data months 2024-01 … 2025-07 (fund as_of_month 2024-01; the
latest data month 2025-07 holds only an inspection).

Institutions: 450802 (registered population 1000) has hospitals A1, A2 (level 2) and X1 (level 3,
out of area only), clinic C1; 450821 (population 2000) has hospitals A3, A4 (level 2), pharmacy Q1.

Inspections                                  kind          finding               involved recovered penalty  fine  action     points
  J1  2024-03-10 A1                          onsite        over_standard_charge     10000      8000    1000     0  interview       2
  J2  2024-08-05 C1                          online_audit  none                         0         0       0     0  none            0
  J3  2025-02-10 A1                          flying        hanging_bed              50000     40000   20000 60000  suspend         5
  J4  2025-03-20 A1                          online_audit  duplicate_charge          2000      2000       0     0  rectify         1
  J5  2025-05-15 A3                          joint_patrol  none                         0         0       0     0  none            0
  J6  2025-05-16 Q1                          special       item_substitution         3000      3000     300     0  interview       2
  J7  2025-07-01 A2                          onsite        none                         0         0       0     0  none            0

Settlements (effective unless said; payments: pooled fund, cash, personal account):
  A1  E1 stay 2025-01-01…01-06 cost 6000 (drug 2000; pooled 5400, cash 600)
      E1 outpatient 2025-01-20 cost 500 (drug 300; pooled 300, cash 200)
      E1 stay 2025-01-10…01-12 cost 9999 (pooled 9999), reversed 2025-02-05
      E1 stay 2025-02-01…02-03 cost 4000 (drug 1000; pooled 3600, cash 400)
  A2  E2 stay 2025-03-01…03-04 cost 3000 (drug 900; pooled 2700, cash 300)
  A3  E4 stay 2025-04-10 same day, cost 2000 (drug 1000; pooled 1000, cash 1000)
  C1  E3 outpatient 2025-02-20 cost 100 (drug 60; pooled 60, cash 40)
  Q1  E3 pharmacy 2025-03-05 cost 50 (drug 50; account 50)
  X1  E1 stay 2025-05-01…05-10 out of area, cost 20000 (pooled 15000, cash 5000)

Enrollments (file month: rows):
  2024-01  E1 450802 resident ordinary from 2024-01-01; E2 the same; E4 450821 resident low_income
           from 2024-01-01; E5 450821 resident ordinary from 2024-01-01
  2024-06  E5 again, ending 2024-06-30
  2025-02  E3 450802 employee retired from 2025-02-10
  2025-03  E2 again, ending 2025-03-15
  2025-04  E4 450821 resident poverty_registered from 2025-04-01 (ends the low_income spell on 03-31)
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.landing_files import write_csv

COUNTIES = [
    {"county_code": "450802", "county_name": "港北區", "registered_population": "1000"},
    {"county_code": "450821", "county_name": "平南縣", "registered_population": "2000"},
]


def _institution(code: str, institution_type: str, level: str, county: str) -> dict:
    return {"institution_code": code, "institution_name": f"測試機構{code}", "institution_type": institution_type,
            "hospital_level": level, "ownership": "public", "county_code": county, "managed_by": "county",
            "beds": ""}


INSTITUTIONS = [
    _institution("A1", "hospital", "2", "450802"), _institution("A2", "hospital", "2", "450802"),
    _institution("X1", "hospital", "3", "450802"), _institution("C1", "clinic", "0", "450802"),
    _institution("A3", "hospital", "2", "450821"), _institution("A4", "hospital", "2", "450821"),
    _institution("Q1", "pharmacy", "0", "450821"),
]
FUND_OPENING_BALANCES = [{"fund_code": fund, "as_of_month": "2024-01", "opening_balance": "1000000.00"}
                         for fund in ("employee_pooled", "resident_basic", "critical_illness")]


def _inspection(inspection_id, institution, day, kind, finding, involved, recovered, penalty, fine, action, points):
    return {"inspection_id": inspection_id, "institution_code": institution, "inspection_date": day, "kind": kind,
            "trigger": "routine", "finding": finding, "involved_amount": involved, "recovered_amount": recovered,
            "penalty_amount": penalty, "fine_amount": fine, "action": action, "demerit_points": points,
            "closed_date": ""}


INSPECTIONS = [
    _inspection("J1", "A1", "2024-03-10", "onsite", "over_standard_charge", "10000", "8000", "1000", "0", "interview", 2),
    _inspection("J2", "C1", "2024-08-05", "online_audit", "none", "0", "0", "0", "0", "none", 0),
    _inspection("J3", "A1", "2025-02-10", "flying", "hanging_bed", "50000", "40000", "20000", "60000", "suspend", 5),
    _inspection("J4", "A1", "2025-03-20", "online_audit", "duplicate_charge", "2000", "2000", "0", "0", "rectify", 1),
    _inspection("J5", "A3", "2025-05-15", "joint_patrol", "none", "0", "0", "0", "0", "none", 0),
    _inspection("J6", "Q1", "2025-05-16", "special", "item_substitution", "3000", "3000", "300", "0", "interview", 2),
    _inspection("J7", "A2", "2025-07-01", "onsite", "none", "0", "0", "0", "0", "none", 0),
]


def _settlement(settlement_id, person, institution, visit_type, date, total, drug, pooled="0", cash="0",
                account="0", admission="", discharge="", out_of_area="0", scheme="resident") -> dict:
    total, drug = Decimal(total), Decimal(drug)
    return {
        "settlement_id": settlement_id, "reversal_of": "", "person_id": person, "institution_code": institution,
        "scheme": scheme, "visit_type": visit_type, "admission_date": admission, "discharge_date": discharge,
        "settlement_date": date, "diagnosis_code": "J18.9", "total_cost": f"{total:.2f}",
        "eligible_cost": f"{total:.2f}", "drug_cost": f"{drug:.2f}", "exam_cost": f"{total - drug:.2f}",
        "treatment_cost": "0", "material_cost": "0", "other_cost": "0", "pooled_fund_paid": pooled,
        "critical_illness_paid": "0", "assistance_paid": "0", "account_paid": account, "cash_paid": cash,
        "is_out_of_area": out_of_area, "doctor_code": "",
    }


def _stay(settlement_id, person, institution, admission, discharge, total, drug, pooled, cash, **extra) -> dict:
    return _settlement(settlement_id, person, institution, "inpatient", discharge, total, drug, pooled, cash,
                       admission=admission, discharge=discharge, **extra)


_REVERSED = _stay("B3", "E1", "A1", "2025-01-10", "2025-01-12", "9999", "0", "9999", "0")
_REVERSAL = dict(_REVERSED, settlement_id="B3X", reversal_of="B3", settlement_date="2025-02-05",
                 total_cost="-9999.00", eligible_cost="-9999.00", drug_cost="0.00", exam_cost="-9999.00",
                 pooled_fund_paid="-9999")

SETTLEMENTS = {
    "2025-01": [
        _stay("B1", "E1", "A1", "2025-01-01", "2025-01-06", "6000", "2000", "5400", "600"),
        _settlement("B2", "E1", "A1", "outpatient_general", "2025-01-20", "500", "300", "300", "200"),
        _REVERSED,
    ],
    "2025-02": [
        _stay("B4", "E1", "A1", "2025-02-01", "2025-02-03", "4000", "1000", "3600", "400"),
        _REVERSAL,
        _settlement("B7", "E3", "C1", "outpatient_general", "2025-02-20", "100", "60", "60", "40", scheme="employee"),
    ],
    "2025-03": [
        _stay("B5", "E2", "A2", "2025-03-01", "2025-03-04", "3000", "900", "2700", "300"),
        _settlement("B8", "E3", "Q1", "pharmacy", "2025-03-05", "50", "50", account="50", scheme="employee"),
    ],
    "2025-04": [
        _stay("B6", "E4", "A3", "2025-04-10", "2025-04-10", "2000", "1000", "1000", "1000"),
    ],
    "2025-05": [
        _stay("B9", "E1", "X1", "2025-05-01", "2025-05-10", "20000", "0", "15000", "5000", out_of_area="1"),
    ],
}


def _id_card(county: str, birth: str, sequence: int) -> str:
    """An ID card number with its GB 11643 check digit (the loader checks it)."""
    first17 = f"{county}{birth.replace('-', '')}{sequence:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def _enrollment(person, county, scheme, category, start, end="") -> dict:
    number = _id_card(county, "1990-01-01", 2 * int(person[1:]))  # even: a woman
    return {"person_id": person, "id_card_no": number, "gender": "F", "birth_date": "1990-01-01",
            "county_code": county, "scheme": scheme, "category": category, "start_date": start,
            "end_date": end, "personal_contribution": "400.00", "subsidy": "670.00"}


ENROLLMENTS = {
    "2024-01": [
        _enrollment("E1", "450802", "resident", "ordinary", "2024-01-01"),
        _enrollment("E2", "450802", "resident", "ordinary", "2024-01-01"),
        _enrollment("E4", "450821", "resident", "low_income", "2024-01-01"),
        _enrollment("E5", "450821", "resident", "ordinary", "2024-01-01"),
    ],
    "2024-06": [_enrollment("E5", "450821", "resident", "ordinary", "2024-01-01", "2024-06-30")],
    "2025-02": [_enrollment("E3", "450802", "employee", "retired", "2025-02-10")],
    "2025-03": [_enrollment("E2", "450802", "resident", "ordinary", "2024-01-01", "2025-03-15")],
    "2025-04": [_enrollment("E4", "450821", "resident", "poverty_registered", "2025-04-01")],
}


def write_supervision_landing(root: Path) -> Path:
    reference = root / "reference"
    write_csv(reference / "counties.csv", "counties", COUNTIES)
    write_csv(reference / "institutions.csv", "institutions", INSTITUTIONS)
    write_csv(reference / "budgets.csv", "budgets", [])
    write_csv(reference / "fund_opening_balance.csv", "fund_opening_balance", FUND_OPENING_BALANCES)
    for month, rows in SETTLEMENTS.items():
        write_csv(root / "settlement" / f"{month}.csv", "settlement", rows)
    for month, rows in ENROLLMENTS.items():
        write_csv(root / "enrollment" / f"{month}.csv", "enrollment", rows)
    by_month: dict[str, list[dict]] = {}
    for row in INSPECTIONS:
        by_month.setdefault(row["inspection_date"][:7], []).append(row)
    for month, rows in by_month.items():
        write_csv(root / "inspection" / f"{month}.csv", "inspection", rows)
    return root
