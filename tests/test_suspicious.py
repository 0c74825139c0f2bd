"""Screening rules of marts.suspicious_settlements, and no personal data in any mart.

Two warehouses are built in this module:
- the session's generated landing directory (tests/conftest.py): the generator records every case
  it injects in _ground_truth/suspicious.csv; per rule, recall over the injected cases must be
  1.0. Recall and precision are printed (`pytest -s`) and written into the assertion message;
- the hand-made landing directory of tests/suspicious_landing.py, whose expected flags and
  figures are worked out there by hand.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from orchestration.generator.anomalies import RULES
from tests.conftest import GENERATED
from tests.suspicious_landing import write_suspicious_landing

EXACT_RULES = ("ci_high_cost", "diabetes_drug_cost")  # the generator labels their natural cases too
ID_CARD = re.compile(r"^\d{17}[\dX]$")
PERSONAL_COLUMN = re.compile(r"id_card|idcard|birth|身份證|出生", re.IGNORECASE)


@pytest.fixture(scope="module")
def generated(generated_warehouse):
    with psycopg.connect(generated_warehouse[0], autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def handmade(built_warehouse, tmp_path_factory):
    return built_warehouse(write_suspicious_landing(tmp_path_factory.mktemp("suspicious_landing")))


# ------------------------------------------------------------------ recall and precision

@dataclass
class RuleScore:
    rule_id: str
    injected: int  # settlements the generator injected for the rule
    labelled: int  # injected + natural cases the generator knows of (exact rules only)
    flagged: int  # rows of marts.suspicious_settlements
    hits: int  # flagged ∩ injected
    hits_labelled: int  # flagged ∩ labelled

    @property
    def recall(self) -> float:
        return self.hits / self.injected if self.injected else float("nan")

    @property
    def precision(self) -> float:
        return self.hits / self.flagged if self.flagged else float("nan")

    @property
    def precision_labelled(self) -> float:
        return self.hits_labelled / self.flagged if self.flagged else float("nan")


def score_rules(conn, landing: Path) -> list[RuleScore]:
    truth: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    with (landing / "_ground_truth" / "suspicious.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            truth[row["rule_id"]][row["origin"]].add(row["settlement_id"])
    flagged: dict[str, set[str]] = defaultdict(set)
    for rule_id, settlement_id in conn.execute("select rule_id, settlement_id from marts.suspicious_settlements"):
        flagged[rule_id].add(settlement_id)
    scores = []
    for rule in RULES:
        injected, labelled = truth[rule]["injected"], truth[rule]["injected"] | truth[rule]["natural"]
        scores.append(RuleScore(rule, len(injected), len(labelled), len(flagged[rule]),
                                len(flagged[rule] & injected), len(flagged[rule] & labelled)))
    return scores


def score_table(scores: list[RuleScore]) -> str:
    lines = [f"{'rule_id':<24}{'injected':>9}{'flagged':>9}{'hits':>7}{'recall':>8}{'precision':>11}"
             f"{'labelled':>10}{'precision (labelled)':>22}"]
    lines += [f"{s.rule_id:<24}{s.injected:>9}{s.flagged:>9}{s.hits:>7}{s.recall:>8.3f}{s.precision:>11.3f}"
              f"{s.labelled:>10}{s.precision_labelled:>22.3f}" for s in scores]
    return "\n".join(lines)


def test_every_injected_case_is_flagged(generated, generated_landing, record_summary):
    scores = score_rules(generated, generated_landing)
    table = score_table(scores)
    record_summary(f"Screening rules on generated data {GENERATED} (recall and precision on the generator's labels):"
                   f"\n{table}")
    assert all(s.injected > 0 for s in scores), f"a rule has no injected case:\n{table}"
    assert all(s.recall == 1.0 for s in scores), f"recall below 1.0:\n{table}"


def test_the_exact_amount_rules_flag_exactly_what_the_generator_computed(generated, generated_landing):
    # ci_high_cost and diabetes_drug_cost compare amounts the generator computed itself: it
    # labels every case, injected or not, so the mart must flag exactly the labelled ones.
    scores = {s.rule_id: s for s in score_rules(generated, generated_landing)}
    table = score_table(list(scores.values()))
    for rule in EXACT_RULES:
        assert scores[rule].hits_labelled == scores[rule].labelled == scores[rule].flagged, table


def test_generated_flags_are_effective_settlements_with_deadlines(generated):
    bad = generated.execute("""
        select s.settlement_id, s.rule_id
        from marts.suspicious_settlements as s
        join marts.fct_settlements as f using (settlement_id)
        where f.is_reversal
            or exists (select 1 from marts.fct_settlements as r where r.reversal_of = s.settlement_id)
            or s.detected_month <> f.settlement_month
            or s.institution_code <> f.institution_code
            or s.person_key <> f.person_key
            or s.due_date <> (coalesce(s.received_date, s.detected_month) + interval '3 months')::date
    """).fetchall()
    assert bad == []
    latest = generated.execute("select max(month) from marts.dim_months").fetchone()[0]
    past_due = generated.execute("""select bool_and(is_past_due = (due_date < %s and concluded_date is null))
                                    from marts.suspicious_settlements""", [latest]).fetchone()[0]
    assert past_due
    # the generator's reviews: most flagged cases were received, fewer than half are past due
    reviewed, past_due = generated.execute("""select avg((received_date is not null)::int), avg(is_past_due::int)
                                              from marts.suspicious_settlements""").fetchone()
    assert reviewed > 0.6 and past_due < 0.5


# ------------------------------------------------------------------ personal data

def personal_data_in(conn, schema: str) -> list[str]:
    """Columns of every table and view in `schema` that are named like personal data or hold a
    value shaped like an 18-character ID card number (or a raw person_id of the enrollment).
    One scan per relation, every column cast to text."""
    columns: dict[str, list[str]] = defaultdict(list)
    for table, column in conn.execute("""
            select table_name, column_name from information_schema.columns
            where table_schema = %s order by table_name, ordinal_position""", [schema]):
        columns[table].append(column)
    assert columns, f"no columns in schema {schema}"
    has_enrollment = conn.execute("select to_regclass('raw.enrollment') is not null").fetchone()[0]
    person_ids = sql.SQL("select person_id from raw.enrollment" if has_enrollment else "select null::text")
    found = []
    for table, names in columns.items():
        found += [f"{schema}.{table}.{name}: named like personal data" for name in names if PERSONAL_COLUMN.search(name)]
        checks = []
        for name in names:
            value = sql.SQL("{}::text").format(sql.Identifier(name))
            checks.append(sql.SQL("min({v}) filter (where {v} ~ {p})").format(v=value, p=sql.Literal(ID_CARD.pattern)))
            checks.append(sql.SQL("min({v}) filter (where {v} in ({ids}))").format(v=value, ids=person_ids))
        values = conn.execute(sql.SQL("select {} from {}").format(
            sql.SQL(", ").join(checks), sql.Identifier(schema, table))).fetchone()
        for name, id_card, person_id in zip(names, values[0::2], values[1::2]):
            if id_card is not None:
                found.append(f"{schema}.{table}.{name}: holds {id_card!r}, shaped like an ID card number")
            if person_id is not None:
                found.append(f"{schema}.{table}.{name}: holds the person_id {person_id!r}")
    return found


def test_no_mart_column_holds_personal_data(generated):
    tables = {t for (t,) in generated.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'")}
    assert {"suspicious_settlements", "enrollment_monthly", "fct_settlements"} <= tables
    assert personal_data_in(generated, "marts") == []


def test_the_personal_data_scan_finds_what_it_looks_for(generated):
    # The scan's own check: a schema with an ID card number, a birth date column and a person_id.
    generated.execute("create schema pii_probe")
    try:
        person_id = generated.execute("select min(person_id) from raw.enrollment").fetchone()[0]
        generated.execute("create table pii_probe.leak (note text, birth_month date, who text)")
        generated.execute("insert into pii_probe.leak values ('45080219900101123X', null, %s)", [person_id])
        found = personal_data_in(generated, "pii_probe")
    finally:
        generated.execute("drop schema pii_probe cascade")
    assert sorted(found) == ["pii_probe.leak.birth_month: named like personal data",
                             "pii_probe.leak.note: holds '45080219900101123X', shaped like an ID card number",
                             f"pii_probe.leak.who: holds the person_id {person_id!r}"]


# ------------------------------------------------------------------ hand-made cases

def flags(conn, rule_id: str) -> dict[str, D]:
    return dict(conn.execute("select settlement_id, figure from marts.suspicious_settlements where rule_id = %s",
                             [rule_id]).fetchall())


def test_handmade_landing_loads_without_quarantine(handmade):
    assert handmade.execute("select count(*) from quarantine.settlement").fetchone()[0] == 0


def test_ci_high_cost_threshold_is_inclusive_and_reversed_cases_drop_out(handmade):
    assert flags(handmade, "ci_high_cost") == {"CI1": D("30000.00")}


def test_readmission_within_15_days_of_the_same_diagnosis_category(handmade):
    # gap 15 flagged, 16 not; another category not; gap 0 flagged; the smallest gap is the figure;
    # a reversed first stay does not count, nor a reversed stay between two others; a transfer to
    # another institution and planned chemotherapy (Z51) are not split admissions.
    assert flags(handmade, "readmission") == {"R1B": D(15), "R7B": D(0), "R5B": D(2), "R5C": D(6), "R9B": D(9)}


def test_overlapping_stays_count_the_other_stays(handmade):
    # touching stays (discharge day = next admission day) do not overlap; a reversed stay drops out
    assert flags(handmade, "overlapping_stays") == {"O1X": D(2), "O1Y": D(1), "O1Z": D(1), "O4A": D(1), "O4C": D(1)}


def test_frequent_admissions_per_half_year(handmade):
    assert flags(handmade, "frequent_admissions") == {f"F1{n}": D(5) for n in range(1, 6)}


def test_same_day_admissions_need_six_on_one_day(handmade):
    assert flags(handmade, "same_day_admissions") == {f"S{n}": D(6) for n in range(1, 7)}


def test_near_identical_amounts_share_a_band_of_either_grid(handmade):
    assert flags(handmade, "near_identical_amounts") == {f"N{n}": D(5) for n in range(1, 6)}


def test_long_stay_needs_a_low_daily_cost_and_enough_peers(handmade):
    assert flags(handmade, "long_stay") == {"LH": D(20)}


def test_diabetes_drug_cost_above_the_yearly_cap(handmade):
    assert flags(handmade, "diabetes_drug_cost") == {"D14": D("10000.01"), "D15": D("13000.01")}


def test_deadlines_are_three_months_after_detection(handmade):
    # latest data month 2025-06: a February detection is past due, a March one due on 2025-06-01 is not
    rows = dict((s, (d, due, past)) for s, d, due, past in handmade.execute(
        "select settlement_id, detected_month, due_date, is_past_due from marts.suspicious_settlements"))
    assert rows["R1B"] == (date(2025, 2, 1), date(2025, 5, 1), True)
    assert rows["O1X"] == (date(2025, 3, 1), date(2025, 6, 1), False)


def test_reasons_name_the_measures_in_both_languages(handmade):
    reasons = dict(handmade.execute(
        "select rule_id || ':' || settlement_id, reason from marts.suspicious_settlements").fetchall())
    assert "(R5B)" in reasons["readmission:R5C"] and "stay R5B" in reasons["readmission:R5C"]
    assert "(R9A)" in reasons["readmission:R9B"] and "9天" in reasons["readmission:R9B"]
    assert "(如O1Y)" in reasons["overlapping_stays:O1X"] and "(e.g. O1Y)" in reasons["overlapping_stays:O1X"]
    assert "(如O4C)" in reasons["overlapping_stays:O4A"]
    assert "20天" in reasons["long_stay:LH"] and "20 bed-days" in reasons["long_stay:LH"]
    assert "30000.00元" in reasons["ci_high_cost:CI1"] and "30000.00 yuan" in reasons["ci_high_cost:CI1"]


def test_the_rule_catalogue_lists_every_rule_with_its_effective_parameters(handmade):
    catalogue = handmade.execute("select rule_id, rule_name, parameters from marts.suspicious_rules").fetchall()
    by_rule = {rule_id: (name, parameters) for rule_id, name, parameters in catalogue}
    assert len(catalogue) == len(by_rule) == 8
    assert by_rule["readmission"] == ("分解住院(同診斷再入院)",
                                      "readmission_days=15, readmission_excluded_diagnoses=Z51")
    assert by_rule["overlapping_stays"][1] == ""
    assert by_rule["near_identical_amounts"][1] == (
        "near_identical_band=0.02, near_identical_min_stays=5, near_identical_min_share=0.2")
    flagged = {rule_id for (rule_id,) in handmade.execute("select distinct rule_id from marts.suspicious_settlements")}
    assert flagged == set(by_rule)
