"""The rule catalogue (orchestration/rules.py) against the loader and the suites built from it.

Every rule has an example row here that breaks it, written as overrides of a valid row of its
source. A quarantine rule's example is loaded beside the valid row: the loader must quarantine
exactly that row, with the rule's reason, and load the other. A warning's example is loaded (the
loader accepts it) and must be the row that the rule's column of the data-quality view flags.
Every rule the data-quality step applies must be an expectation of the suites, with its
severity. A rule added without an example fails here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orchestration.loading import discover, load_file
from orchestration.quality.batches import Load, ensure_tables, fill_batch
from orchestration.quality.suites import all_suites
from orchestration.rules import CRITICAL, FILE_RULES, QUARANTINE, ROW_RULES, WARNING
from orchestration.sources import SOURCES
from tests.landing_files import (COUNTIES, INSTITUTIONS, budget, case_review, enrollment, fund_flow, inspection,
                                 settlement, write_csv, write_reference)

REVERSAL = dict(reversal_of="S1", total_cost="-100.00", eligible_cost="-90.00", drug_cost="-60.00",
                exam_cost="-20.00", treatment_cost="-10.00", material_cost="-5.00", other_cost="-5.00",
                pooled_fund_paid="-70.00", account_paid="-20.00", cash_paid="-10.00")
STAY = dict(visit_type="inpatient", admission_date="2024-01-05", discharge_date="2024-01-10")
HUGE = dict(total_cost="20000000.00", eligible_cost="20000000.00", drug_cost="20000000.00", exam_cost="0",
            treatment_cost="0", material_cost="0", other_cost="0", pooled_fund_paid="20000000.00",
            account_paid="0", cash_paid="0")

# A valid row of each source (the file holds it and the example) and what makes the example's key
# another one.
VALID = {
    "settlement": (settlement("S1"), {"settlement_id": "S2"}),
    "fund_flows": (fund_flow(), {"county_code": "450821"}),
    "enrollment": (enrollment("P1"), {"person_id": "P2"}),
    "inspection": (inspection("I1"), {"inspection_id": "I2"}),
    "counties": (COUNTIES[0], {"county_code": "450803", "county_name": "覃塘區"}),
    "institutions": (INSTITUTIONS[0], {"institution_code": "H003"}),
    "budgets": (budget(), {"year": "2025"}),
    "policy_parameters": ({"key": "top_usage_city", "value": "4"}, {"key": "growth_min_base"}),
    "alert_recipients": ({"scope": "city", "name": "市醫保局", "email": "a@example.cn"}, {"email": "b@example.cn"}),
    "case_review": (case_review("S1"), {"settlement_id": "S2"}),
}
# Files loaded before the example's, beside the reference files: (source, rows).
BEFORE = {"case_review": ("settlement", [settlement("S1"), settlement("S2")])}

# (source, rule name) → overrides that break the rule, and SQL run after the load (a warning
# about what later files change).
EXAMPLES = {
    ("settlement", "institution_registered"): {"institution_code": "H999"},
    ("settlement", "cost_parts_sum_to_total"): {"drug_cost": "61.00"},
    ("settlement", "payments_sum_to_total"): {"cash_paid": "10.02"},
    ("settlement", "negative_only_on_reversals"): {"drug_cost": "80.00", "exam_cost": "-10.00",
                                                   "treatment_cost": "20.00"},
    ("settlement", "positive_not_on_reversals"): {**REVERSAL, "cash_paid": "10.00", "account_paid": "-40.00"},
    ("settlement", "stay_dates_on_inpatient"): {"visit_type": "inpatient"},
    ("settlement", "stay_dates_only_on_inpatient"): {"admission_date": "2024-01-05"},
    ("settlement", "discharge_date_not_before_admission_date"): {**STAY, "discharge_date": "2024-01-04"},
    ("settlement", "stay_within_limit"): {**STAY, "admission_date": "2022-12-01"},
    ("settlement", "eligible_within_total"): {"eligible_cost": "100.01"},
    ("settlement", "total_cost_within_limit"): HUGE,
    ("settlement", "settlement_date_not_before_discharge_date"): {**STAY, "discharge_date": "2024-01-20"},
    ("settlement", "reversed_settlement_loaded"): (REVERSAL, "delete from raw.settlement where settlement_id = 'S1'"),
    ("fund_flows", "county_registered"): {"county_code": "999999"},
    ("fund_flows", "amount_at_most_10000000000"): {"amount": "10000000000.01"},
    ("fund_flows", "flow_unique_in_file"): {"county_code": "450802"},
    ("fund_flows", "item_known"): {"item": "lottery"},
    ("enrollment", "county_registered"): {"county_code": "999999"},
    ("enrollment", "end_date_not_before_start_date"): {"end_date": "2023-12-31"},
    ("enrollment", "id_card_valid"): {"id_card_no": "110105194912310021"},
    ("enrollment", "age_at_start_plausible"): {"birth_date": "2024-02-01"},
    ("enrollment", "personal_contribution_at_most_100000"): {"personal_contribution": "100000.01"},
    ("enrollment", "subsidy_at_most_100000"): {"subsidy": "100000.01"},
    ("enrollment", "id_card_matches_birth_date"): {"birth_date": "1949-12-30"},
    ("enrollment", "id_card_matches_gender"): {"gender": "M"},
    ("enrollment", "category_known"): {"category": "veteran"},
    ("inspection", "institution_registered"): {"institution_code": "H999"},
    ("inspection", "closed_date_not_before_inspection_date"): {"closed_date": "2024-01-09"},
    **{("inspection", f"{column}_at_most_100000000"): {"finding": "hanging_bed", column: "100000000.01"}
       for column in ("involved_amount", "recovered_amount", "penalty_amount", "fine_amount")},
    ("inspection", "recovered_within_involved"): {"finding": "hanging_bed", "involved_amount": "100",
                                                  "recovered_amount": "200"},
    ("inspection", "no_finding_no_amounts"): {"penalty_amount": "100"},
    ("inspection", "demerit_points_within_range"): {"demerit_points": "13"},
    ("counties", "registered_population_within_range"): {"registered_population": "0"},
    ("institutions", "county_registered"): {"county_code": "999999"},
    ("institutions", "beds_within_range"): {"beds": "20001"},
    ("budgets", "institution_registered"): {"institution_code": "H999"},
    ("budgets", "year_within_range"): {"year": "1999"},
    ("budgets", "annual_budget_at_most_10000000000"): {"annual_budget": "10000000000.01"},
    ("policy_parameters", "value_is_number"): {"value": "1e5"},
    ("policy_parameters", "readmission_excluded_diagnoses_valid"): {"key": "readmission_excluded_diagnoses",
                                                                    "value": "z51"},
    ("alert_recipients", "scope_registered"): {"scope": "999999"},
    ("case_review", "settlement_loaded"): {"settlement_id": "S404"},
    ("case_review", "received_not_after_status"): {"received_date": "2024-01-21"},
    ("case_review", "amount_only_if_confirmed"): {"violating_amount": "50.00"},
    ("case_review", "refused_within_violating"): {"outcome": "confirmed", "violating_amount": "50.00",
                                                  "ci_refused_amount": "50.01"},
}

ROW_CASES = [(source, rule) for source, rules in ROW_RULES.items() for rule in rules]


def _ids(case) -> str:
    source, rule = case
    return f"{source}.{rule.name}"


def test_every_row_rule_has_an_example_and_every_name_is_unique():
    assert sorted((source, rule.name) for source, rule in ROW_CASES) == sorted(EXAMPLES)
    for rules in (*ROW_RULES.values(), FILE_RULES):
        names = [rule.name for rule in rules]
        assert len(set(names)) == len(names), names
    assert {rule.severity for _, rule in ROW_CASES} == {QUARANTINE, WARNING}
    assert {rule.severity for rule in FILE_RULES} == {CRITICAL, WARNING}


def _deliver(db, root: Path, source: str, rows: list[dict]) -> None:
    """Load the reference files, then `rows` as the file of `source` (a reference snapshot
    replacing the written one, or the month 2024-01)."""
    write_reference(root)
    spec = SOURCES[source]
    path = write_csv(root / spec.file_name("2024-01"), source, rows)
    landing = discover(root)
    for name, reference in landing.reference.items():
        if name != source:
            load_file(db, SOURCES[name], reference, landing.root)
    if source in BEFORE:
        name, before = BEFORE[source]
        load_file(db, SOURCES[name], write_csv(root / SOURCES[name].file_name("2024-01"), name, before), root, "2024-01")
    load_file(db, spec, path, root, "2024-01" if spec.monthly else None)


def _example(source: str, name: str) -> tuple[list[dict], str]:
    """The rows of the file (the valid row, then the example) and the SQL to run after the load."""
    valid, other_key = VALID[source]
    example = EXAMPLES[source, name]
    overrides, after = example if isinstance(example, tuple) else (example, "")
    return [valid, {**valid, **other_key, **overrides}], after


@pytest.mark.parametrize("case", [c for c in ROW_CASES if c[1].severity == QUARANTINE], ids=_ids)
def test_each_quarantine_rule_quarantines_its_example(db, tmp_path, case):
    source, rule = case
    rows, _ = _example(source, rule.name)
    _deliver(db, tmp_path, source, rows)
    assert db.execute(f"select line_number, reason from quarantine.{source}").fetchall() == [(3, rule.reason)]
    assert db.execute(f"select _line_number from raw.{source}").fetchall() == [(2,)]


def _flags(db, source: str, rule: str) -> list[int]:
    """The lines whose `rule` column in the source's data-quality view says broken."""
    ensure_tables(db)
    month = date(2024, 1, 1) if SOURCES[source].monthly else None
    load_id = db.execute("select max(load_id) from audit.file_loads where source = %s", [source]).fetchone()[0]
    fill_batch(db, all_suites()[source], [Load(load_id, source, "", month)])
    return [line for (line,) in db.execute(f"select _line_number from quality.{source} where {rule} is null "
                                           f"order by 1")]


@pytest.mark.parametrize("case", [c for c in ROW_CASES if c[1].severity == WARNING], ids=_ids)
def test_each_warning_flags_its_example(db, tmp_path, case):
    source, rule = case
    rows, after = _example(source, rule.name)
    _deliver(db, tmp_path, source, rows)
    assert db.execute(f"select count(*) from quarantine.{source}").fetchone()[0] == 0
    if after:
        db.execute(after)
    assert 3 in _flags(db, source, rule.name)


@pytest.mark.parametrize("source", sorted({source for source, rule in ROW_CASES if rule.severity == WARNING}))
def test_valid_rows_break_no_warning(db, tmp_path, source):
    valid, other_key = VALID[source]
    _deliver(db, tmp_path, source, [valid, {**valid, **other_key}])
    for rule in ROW_RULES[source]:
        if rule.severity == WARNING:
            assert _flags(db, source, rule.name) == [], rule.name


def test_every_check_and_warning_is_an_expectation_of_the_suites():
    """Each rule the data-quality step applies is one expectation, with the rule's reason and
    severity, on the column of its suite's batch; quarantine rules are in no suite."""
    suites = all_suites()
    expected = {("file_loads", rule.name, rule.reason, rule.severity) for rule in FILE_RULES}
    expected |= {(source, rule.name, rule.reason, rule.severity) for source, rule in ROW_CASES
                 if rule.severity == WARNING}
    found = {(name, e["kwargs"]["column"], e["description"], e["severity"])
             for name, suite in suites.items() if name != "fct_settlements" for e in suite.expectations}
    assert found == expected
    assert all(e["type"] == "expect_column_values_to_not_be_null"
               for name, suite in suites.items() if name != "fct_settlements" for e in suite.expectations)
