"""A small hand-made landing directory for the screening rules (tests/test_suspicious.py).

Data months 2024-12 … 2025-06 (the latest data month is 2025-06); settlements are settled on
their discharge day, and cost 3 % more than the one before unless a cost is given. Every case below names the settlements the rules must flag and the figure
they report; unnamed settlements must not be flagged by the rule of their case.

ci_high_cost (any visit type; threshold 30,000):
  CI1 pays exactly 30,000.00 → flagged, figure 30000; CI2 29,999.99 → not; CI3 45,000 but reversed
  by CI3R → neither CI3 nor the reversal.
readmission (15 days, same institution and 3-character diagnosis, Z51 excluded):
  R1A discharged 02-01, R1B (J18.0 vs J18.9) admitted 02-16: gap 15 → R1B, figure 15.
  R2A discharged 02-01, R2B admitted 02-17: gap 16 → not.
  R3A J18.9 discharged 02-01, R3B J20.9 admitted 02-04: another diagnosis → not.
  R4A at H1 discharged 02-10, R4B at H2 admitted 02-10: a transfer → not.
  R7A discharged 02-10, R7B admitted 02-10 (gap 0) → R7B, figure 0.
  R8A, R8B chemotherapy sessions (Z51.1) 7 days apart → not.
  R5A discharged 01-10, R5B admitted 01-12 (gap 2) → R5B, figure 2; R5C admitted 01-20: gaps 10
  (R5A) and 6 (R5B) → R5C, figure 6 (the smallest).
  R6A discharged 02-01 but reversed by R6X; R6B admitted 02-05 → not: R6A does not count.
  R9A discharged 02-01, R9M 02-03…02-06 reversed by R9X, R9B admitted 02-10 → R9B, figure 9
  from R9A: the reversed stay between them is no earlier stay (nor a later one).
overlapping_stays (different diagnoses, so no readmission):
  O1X 03-01…03-10 overlaps O1Y 03-05…03-08 and O1Z 03-09…03-12 → O1X figure 2, O1Y 1, O1Z 1.
  O2A 03-01…03-05 and O2B 03-05…03-09 only touch → not.
  O3A 03-01…03-10 and O3B 03-02…03-04, O3B reversed by O3X → neither.
  O4A 03-01…03-10 holds O4B 03-02…03-04 (reversed by O4X) and O4C 03-05…03-07 → O4A figure 1,
  its reason naming O4C, not O4B; O4C figure 1.
frequent_admissions (5 stays settled in a half-year):
  F1 has 5 stays in 2025-H1 (different diagnoses, 20 days apart) → all five, figure 5.
  F2 has 4 → not. F3 has 5, one reversed by F3X → not.
  F4 has 3 stays in 2024-H2 (2024-12) and 2 in 2025-H1 → not (half-years apart).
same_day_admissions (≥ 6 admissions at one institution on a day, ≥ 4 × its mean):
  H5 admits 6 persons on 2025-04-10 (S1…S6) → all six, figure 6; 5 on 2025-04-20 → not.
  H5's mean: 11 stays ÷ 212 days (2024-12-01 … 2025-06-30).
near_identical_amounts (2 % bands, ≥ 5 stays, ≥ 20 % of the institution's stays of the month):
  H6 in 2025-05: N1…N5 cost 2000.00, 2004.00, 2008.00, 2012.00, 2016.00 (within 1 %), plus N6
  1500.00, N7 3000.00, N8 5000.00 → N1…N5, figure 5 (5 of 8 stays). They straddle a band of the
  first grid (ln(2000) / ln(1.02) = 383.8, ln(2016) / ln(1.02) = 384.2) and share band 384 of the
  second. Admitted on different days, so not a same-day cluster.
  H7 in 2025-05: four stays of 2000.00 → not (fewer than 5).
long_stay (bed-days ≥ 3 × peer median and cost per bed-day ≤ 0.33 × peer median, ≥ 5 peers):
  Peers at level-2 hospitals (H1, H2) with K35: L1…L5 4 days for 4000.00 (1000 a day), LH 20 days
  for 4000.00 (200 a day), LC 20 days for 20000.00 (1000 a day). Median 4 days and 1000 a day:
  LH → flagged, figure 20; LC → not (charged normally).
  Peers at H3 (primary, level 1) with K80: only P1…P3 and PH 30 days for 900.00 → not (4 peers).
diabetes_drug_cost (E10-E14 special outpatient, drug cost of the year above 10,000):
  D1: 2025-01 4000.00, 2025-02 4000.00, 2025-03 2000.00 (10,000.00: not above), 2025-04 0.01 →
  flagged, figure 10000.01; 2025-05 3000.00 → flagged, figure 13000.01.
  D2: 9000.00 and 2000.00, the second reversed by D2X → not.
  D3: 2024-12 8000.00 and 2025-01 8000.00 → not (two years).
  D4: 11000.00 with I10 (hypertension) → not diabetes.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.landing_files import write_csv

COUNTIES = [{"county_code": "450802", "county_name": "港北區", "registered_population": "800000"}]


def _institution(code: str, institution_type: str, level: str) -> dict:
    return {"institution_code": code, "institution_name": f"測試機構{code}", "institution_type": institution_type,
            "hospital_level": level, "ownership": "private", "county_code": "450802", "managed_by": "county",
            "beds": "100"}


INSTITUTIONS = [
    _institution("H1", "hospital", "2"), _institution("H2", "hospital", "2"), _institution("H3", "primary", "1"),
    _institution("H4", "hospital", "3"), _institution("H5", "hospital", "1"), _institution("H6", "hospital", "1"),
    _institution("H7", "hospital", "1"),
]
FUND_OPENING_BALANCES = [{"fund_code": fund, "as_of_month": "2024-12", "opening_balance": "1000000.00"}
                         for fund in ("employee_pooled", "resident_basic", "critical_illness")]

_AMOUNTS = ("total_cost", "eligible_cost", "drug_cost", "exam_cost", "treatment_cost", "material_cost",
            "other_cost", "pooled_fund_paid", "critical_illness_paid", "assistance_paid", "account_paid", "cash_paid")


def _unremarkable_costs():
    return (Decimal(3000) * Decimal("1.03") ** n for n in range(1000))


_costs = _unremarkable_costs()


def settle(settlement_id: str, person: str, institution: str, *, admission: str = "", discharge: str = "",
           date: str = "", diagnosis: str = "J18.9", total: str | None = None, ci: str = "0.00",
           drug: str | None = None, visit_type: str = "inpatient") -> dict:
    """A resident's settlement: CI pays `ci`, the pooled fund the rest; drug cost `drug` (default
    the whole cost), exam cost the remainder. Stays are settled on their discharge day. Without a
    `total`, each settlement costs 3 % more than the one before (from 3000.00), so that no two
    share a band of near_identical_amounts by accident."""
    total_cost = Decimal(total) if total is not None else next(_costs).quantize(Decimal("0.01"))
    ci_paid = Decimal(ci)
    drug_cost = Decimal(drug) if drug is not None else total_cost
    return {
        "settlement_id": settlement_id, "reversal_of": "", "person_id": person, "institution_code": institution,
        "scheme": "resident", "visit_type": visit_type, "admission_date": admission, "discharge_date": discharge,
        "settlement_date": date or discharge, "diagnosis_code": diagnosis, "total_cost": f"{total_cost:.2f}",
        "eligible_cost": f"{total_cost:.2f}", "drug_cost": f"{drug_cost:.2f}",
        "exam_cost": f"{total_cost - drug_cost:.2f}", "treatment_cost": "0.00", "material_cost": "0.00",
        "other_cost": "0.00", "pooled_fund_paid": f"{total_cost - ci_paid:.2f}", "critical_illness_paid": f"{ci_paid:.2f}",
        "assistance_paid": "0.00", "account_paid": "0.00", "cash_paid": "0.00", "is_out_of_area": "0",
        "doctor_code": "",
    }


def reverse(settlement_id: str, original: dict, date: str) -> dict:
    """The reversal (沖正) of `original`, settled on `date`: every amount negated."""
    row = dict(original, settlement_id=settlement_id, reversal_of=original["settlement_id"], settlement_date=date)
    for name in _AMOUNTS:
        row[name] = f"{-Decimal(original[name]):.2f}"
    return row


def outpatient(settlement_id: str, person: str, date: str, drug: str, diagnosis: str = "E11.9") -> dict:
    return settle(settlement_id, person, "H3", date=date, diagnosis=diagnosis, total=drug, drug=drug,
                  visit_type="outpatient_special")


def _settlements() -> list[dict]:
    global _costs
    _costs = _unremarkable_costs()  # the same costs on every call
    rows = [
        settle("CI1", "PCI1", "H4", admission="2025-01-02", discharge="2025-01-20", total="90000.00", ci="30000.00"),
        settle("CI2", "PCI2", "H4", admission="2025-01-02", discharge="2025-01-20", total="90000.00", ci="29999.99"),
        ci3 := settle("CI3", "PCI3", "H4", admission="2025-01-02", discharge="2025-01-20", total="90000.00",
                      ci="45000.00"),
        reverse("CI3R", ci3, "2025-02-03"),
        settle("R1A", "PR1", "H1", admission="2025-01-25", discharge="2025-02-01", diagnosis="J18.9"),
        settle("R1B", "PR1", "H1", admission="2025-02-16", discharge="2025-02-20", diagnosis="J18.0"),
        settle("R2A", "PR2", "H1", admission="2025-01-25", discharge="2025-02-01"),
        settle("R2B", "PR2", "H1", admission="2025-02-17", discharge="2025-02-20"),
        settle("R3A", "PR3", "H1", admission="2025-01-25", discharge="2025-02-01", diagnosis="J18.9"),
        settle("R3B", "PR3", "H1", admission="2025-02-04", discharge="2025-02-08", diagnosis="J20.9"),
        settle("R4A", "PR4", "H1", admission="2025-02-05", discharge="2025-02-10"),
        settle("R4B", "PR4", "H2", admission="2025-02-10", discharge="2025-02-14"),
        settle("R5A", "PR5", "H1", admission="2025-01-05", discharge="2025-01-10"),
        settle("R5B", "PR5", "H1", admission="2025-01-12", discharge="2025-01-14"),
        settle("R5C", "PR5", "H1", admission="2025-01-20", discharge="2025-01-25"),
        r6a := settle("R6A", "PR6", "H1", admission="2025-01-25", discharge="2025-02-01"),
        reverse("R6X", r6a, "2025-02-03"),
        settle("R6B", "PR6", "H1", admission="2025-02-05", discharge="2025-02-09"),
        settle("R7A", "PR7", "H1", admission="2025-02-05", discharge="2025-02-10"),
        settle("R7B", "PR7", "H1", admission="2025-02-10", discharge="2025-02-14"),
        settle("R8A", "PR8", "H1", admission="2025-02-01", discharge="2025-02-03", diagnosis="Z51.1"),
        settle("R8B", "PR8", "H1", admission="2025-02-10", discharge="2025-02-12", diagnosis="Z51.1"),
        settle("R9A", "PR9", "H1", admission="2025-01-25", discharge="2025-02-01"),
        r9m := settle("R9M", "PR9", "H1", admission="2025-02-03", discharge="2025-02-06"),
        reverse("R9X", r9m, "2025-02-08"),
        settle("R9B", "PR9", "H1", admission="2025-02-10", discharge="2025-02-12"),
        settle("O1X", "PO1", "H1", admission="2025-03-01", discharge="2025-03-10", diagnosis="I10"),
        settle("O1Y", "PO1", "H2", admission="2025-03-05", discharge="2025-03-08", diagnosis="K29.7"),
        settle("O1Z", "PO1", "H3", admission="2025-03-09", discharge="2025-03-12", diagnosis="N39.0"),
        settle("O2A", "PO2", "H1", admission="2025-03-01", discharge="2025-03-05", diagnosis="I10"),
        settle("O2B", "PO2", "H2", admission="2025-03-05", discharge="2025-03-09", diagnosis="K29.7"),
        settle("O3A", "PO3", "H1", admission="2025-03-01", discharge="2025-03-10", diagnosis="I10"),
        o3b := settle("O3B", "PO3", "H2", admission="2025-03-02", discharge="2025-03-04", diagnosis="K29.7"),
        reverse("O3X", o3b, "2025-03-20"),
        settle("O4A", "PO4", "H1", admission="2025-03-01", discharge="2025-03-10", diagnosis="I10"),
        o4b := settle("O4B", "PO4", "H2", admission="2025-03-02", discharge="2025-03-04", diagnosis="K29.7"),
        reverse("O4X", o4b, "2025-03-20"),
        settle("O4C", "PO4", "H3", admission="2025-03-05", discharge="2025-03-07", diagnosis="N39.0"),
    ]
    diagnoses = ("A09", "J06.9", "K29.7", "N39.0", "M51.2")
    starts = ("2025-01-05", "2025-01-25", "2025-02-14", "2025-03-06", "2025-03-26")
    ends = ("2025-01-07", "2025-01-27", "2025-02-16", "2025-03-08", "2025-03-28")
    for person, count in (("PF1", 5), ("PF2", 4), ("PF3", 5)):
        for number in range(count):
            rows.append(settle(f"{person[1:]}{number + 1}", person, "H2", admission=starts[number],
                               discharge=ends[number], diagnosis=diagnoses[number]))
    rows.append(reverse("F3X", next(r for r in rows if r["settlement_id"] == "F35"), "2025-04-02"))
    for number, (start, end) in enumerate((("2024-12-01", "2024-12-03"), ("2024-12-10", "2024-12-12"),
                                           ("2024-12-20", "2024-12-22"), ("2025-01-02", "2025-01-04"),
                                           ("2025-01-10", "2025-01-12"))):
        rows.append(settle(f"F4{number + 1}", "PF4", "H2", admission=start, discharge=end,
                           diagnosis=diagnoses[number]))
    rows += [settle(f"S{number}", f"PS{number}", "H5", admission="2025-04-10", discharge="2025-04-15")
             for number in range(1, 7)]
    rows += [settle(f"T{number}", f"PT{number}", "H5", admission="2025-04-20", discharge="2025-04-25")
             for number in range(1, 6)]
    costs = ("2000.00", "2004.00", "2008.00", "2012.00", "2016.00", "1500.00", "3000.00", "5000.00")
    rows += [settle(f"N{number + 1}", f"PN{number + 1}", "H6", admission=f"2025-05-{number + 1:02d}",
                    discharge=f"2025-05-{number + 11:02d}", total=cost, diagnosis="K29.7")
             for number, cost in enumerate(costs)]
    rows += [settle(f"M{number}", f"PM{number}", "H7", admission="2025-05-02", discharge="2025-05-06",
                    total="2000.00", diagnosis="K29.7") for number in range(1, 5)]
    rows += [settle(f"L{number}", f"PL{number}", "H1" if number % 2 else "H2", admission="2025-06-01",
                    discharge="2025-06-05", total="4000.00", diagnosis="K35.8") for number in range(1, 6)]
    rows += [
        settle("LH", "PLH", "H1", admission="2025-05-20", discharge="2025-06-09", total="4000.00", diagnosis="K35.8"),
        settle("LC", "PLC", "H2", admission="2025-05-20", discharge="2025-06-09", total="20000.00", diagnosis="K35.8"),
    ]
    rows += [settle(f"P{number}", f"PP{number}", "H3", admission="2025-06-01", discharge="2025-06-04",
                    total="900.00", diagnosis="K80.1") for number in range(1, 4)]
    rows.append(settle("PH", "PPH", "H3", admission="2025-05-01", discharge="2025-05-31", total="900.00",
                       diagnosis="K80.1"))
    rows += [
        outpatient("D11", "PD1", "2025-01-15", "4000.00"),
        outpatient("D12", "PD1", "2025-02-15", "4000.00"),
        outpatient("D13", "PD1", "2025-03-15", "2000.00"),
        outpatient("D14", "PD1", "2025-04-15", "0.01"),
        outpatient("D15", "PD1", "2025-05-15", "3000.00"),
        outpatient("D21", "PD2", "2025-01-15", "9000.00"),
        d22 := outpatient("D22", "PD2", "2025-02-15", "2000.00"),
        reverse("D2X", d22, "2025-02-20"),
        outpatient("D31", "PD3", "2024-12-15", "8000.00"),
        outpatient("D32", "PD3", "2025-01-15", "8000.00"),
        outpatient("D41", "PD4", "2025-01-15", "11000.00", diagnosis="I10"),
    ]
    return rows


def write_suspicious_landing(root: Path) -> Path:
    reference = root / "reference"
    write_csv(reference / "counties.csv", "counties", COUNTIES)
    write_csv(reference / "institutions.csv", "institutions", INSTITUTIONS)
    write_csv(reference / "budgets.csv", "budgets", [])
    write_csv(reference / "fund_opening_balance.csv", "fund_opening_balance", FUND_OPENING_BALANCES)
    by_month: dict[str, list[dict]] = {}
    for row in _settlements():
        by_month.setdefault(row["settlement_date"][:7], []).append(row)
    for month, rows in sorted(by_month.items()):
        write_csv(root / "settlement" / f"{month}.csv", "settlement", rows)
    return root
