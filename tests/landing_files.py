"""Helpers that write small landing files for tests, with the contract's columns."""

from __future__ import annotations

from pathlib import Path

from orchestration.sources import SOURCES

COUNTIES = [
    {"county_code": "450802", "county_name": "港北區", "registered_population": "800000"},
    {"county_code": "450821", "county_name": "平南縣", "registered_population": "1200000"},
]
INSTITUTIONS = [
    {"institution_code": "H001", "institution_name": "貴港市人民醫院", "institution_type": "hospital",
     "hospital_level": "3", "ownership": "public", "county_code": "450802", "managed_by": "city", "beds": "1200"},
    {"institution_code": "H002", "institution_name": "平南縣人民醫院", "institution_type": "hospital",
     "hospital_level": "2", "ownership": "public", "county_code": "450821", "managed_by": "county", "beds": ""},
]


def write_csv(path: Path, source: str, rows: list[dict], encoding: str = "utf-8",
              columns: list[str] | None = None, newline: str = "\n") -> Path:
    """Write `rows` as a landing CSV of `source` (plain join: values must not need quoting)."""
    columns = columns or SOURCES[source].column_names
    lines = [",".join(columns)] + [",".join(str(row.get(c, "")) for c in columns) for row in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def settlement(settlement_id: str, /, **overrides) -> dict:
    """A valid outpatient settlement of 100 yuan in January 2024; override any column."""
    row = {
        "settlement_id": settlement_id, "reversal_of": "", "person_id": "P1", "institution_code": "H001",
        "scheme": "employee", "visit_type": "outpatient_general", "admission_date": "",
        "discharge_date": "", "settlement_date": "2024-01-15", "diagnosis_code": "J18.9",
        "total_cost": "100.00", "eligible_cost": "90.00", "drug_cost": "60.00", "exam_cost": "20.00",
        "treatment_cost": "10.00", "material_cost": "5.00", "other_cost": "5.00",
        "pooled_fund_paid": "70.00", "critical_illness_paid": "0", "assistance_paid": "0",
        "account_paid": "20.00", "cash_paid": "10.00", "is_out_of_area": "0", "doctor_code": "D01",
    }
    row.update(overrides)
    return row


def case_review(settlement_id: str, /, **overrides) -> dict:
    """A valid case review in January 2024: a pending case received that month; override any column."""
    row = {"settlement_id": settlement_id, "submitted_by": "insurer", "received_date": "2024-01-20",
           "status_date": "2024-01-20", "outcome": "pending", "violating_amount": "0", "ci_refused_amount": "0"}
    row.update(overrides)
    return row


def write_reference(root: Path, encoding: str = "utf-8") -> None:
    """Counties and institutions: the references settlement rules look up."""
    write_csv(root / "reference" / "counties.csv", "counties", COUNTIES, encoding)
    write_csv(root / "reference" / "institutions.csv", "institutions", INSTITUTIONS, encoding)


def enrollment(person_id: str, /, **overrides) -> dict:
    """A valid enrollment of a woman born 1949-12-31, from January 2024; override any column."""
    row = {"person_id": person_id, "id_card_no": "11010519491231002X", "gender": "F", "birth_date": "1949-12-31",
           "county_code": "450802", "scheme": "resident", "category": "ordinary", "start_date": "2024-01-01",
           "end_date": "", "personal_contribution": "380.00", "subsidy": "0"}
    row.update(overrides)
    return row


def fund_flow(**overrides) -> dict:
    """A valid fund income of January 2024; override any column."""
    row = {"month": "2024-01", "fund_code": "employee_pooled", "county_code": "450802", "direction": "income",
           "item": "contribution_personal", "amount": "100.00"}
    row.update(overrides)
    return row


def inspection(inspection_id: str, /, **overrides) -> dict:
    """A valid on-site inspection of H001 in January 2024 without finding; override any column."""
    row = {"inspection_id": inspection_id, "institution_code": "H001", "inspection_date": "2024-01-10",
           "kind": "onsite", "trigger": "routine", "finding": "none", "involved_amount": "0", "recovered_amount": "0",
           "penalty_amount": "0", "fine_amount": "0", "action": "none", "demerit_points": "0", "closed_date": ""}
    row.update(overrides)
    return row


def budget(**overrides) -> dict:
    row = {"year": "2024", "institution_code": "H001", "annual_budget": "1000000.00"}
    row.update(overrides)
    return row
