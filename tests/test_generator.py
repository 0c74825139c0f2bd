"""The synthetic landing generator: determinism, the contract's layout and the row rules."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.generator import generate, persons_for_settlements
from orchestration.sources import SOURCES

SEED = 7
START = "2024-11"  # crosses a year end: CI insurance restarts, premiums arrive
MONTHS = ("2024-11", "2024-12", "2025-01", "2025-02")
PERSONS = 1500
AMOUNT = re.compile(r"^-?\d+\.\d{2}$")
PARTS = ("drug_cost", "exam_cost", "treatment_cost", "material_cost", "other_cost")
PAYMENTS = ("pooled_fund_paid", "critical_illness_paid", "assistance_paid", "account_paid", "cash_paid")
AMOUNTS = ("total_cost", "eligible_cost", *PARTS, *PAYMENTS)
GROUND_TRUTH = "_ground_truth/suspicious.csv"
GENERATED = list(SOURCES.values())


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    generate(out, seed=SEED, start=START, months=len(MONTHS), persons=PERSONS)
    return out


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def monthly(landing: Path, source: str) -> dict[str, list[dict[str, str]]]:
    return {month: read(landing / SOURCES[source].file_name(month)) for month in MONTHS}


def all_files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*.csv"))}


def cents(value: str) -> int:
    return int(Decimal(value) * 100)


def test_same_seed_gives_identical_bytes(landing, tmp_path):
    generate(tmp_path, seed=SEED, start=START, months=len(MONTHS), persons=PERSONS)
    assert all_files(tmp_path) == all_files(landing)


def test_another_seed_gives_other_data(landing, tmp_path):
    generate(tmp_path, seed=SEED + 1, start=START, months=len(MONTHS), persons=PERSONS)
    for month in MONTHS:
        name = SOURCES["settlement"].file_name(month)
        assert (tmp_path / name).read_bytes() != (landing / name).read_bytes()


def test_every_file_has_the_contract_columns(landing):
    expected = {s.file_name(): s for s in GENERATED if not s.monthly}
    expected |= {s.file_name(month): s for s in GENERATED if s.monthly for month in MONTHS}
    # the ground truth lies outside the contract's folders
    assert set(all_files(landing)) == set(expected) | {GROUND_TRUTH}
    for name, source in expected.items():
        with (landing / name).open(encoding="utf-8") as handle:
            assert handle.readline().rstrip("\n").split(",") == source.column_names, name


def _check_value(column, value: str) -> str | None:
    """Why `value` breaks the column's type, enumeration or pattern; None when it is fine."""
    if value == "":
        return "empty" if column.required else None
    checks = {
        "date": lambda v: re.fullmatch(r"\d{4}-\d{2}-\d{2}", v),
        "month": lambda v: re.fullmatch(r"\d{4}-\d{2}", v),
        "amount": lambda v: AMOUNT.fullmatch(v) and (column.signed or not v.startswith("-")),
        "integer": lambda v: re.fullmatch(r"\d+", v),
        "flag": lambda v: v in ("0", "1"),
        "enum": lambda v: v in column.values,
        "text": lambda v: True,
    }
    if not checks[column.kind](value):
        return f"not a valid {column.kind}"
    if column.pattern and not re.search(column.pattern, value):
        return "does not match its pattern"
    return None


@pytest.mark.parametrize("source", GENERATED, ids=lambda s: s.name)
def test_every_value_passes_types_keys_and_lookups(landing, source):
    institutions = {row["institution_code"] for row in read(landing / "reference/institutions.csv")}
    counties = {row["county_code"] for row in read(landing / "reference/counties.csv")}
    settlements = {row["settlement_id"] for rows in monthly(landing, "settlement").values() for row in rows}
    files = {month: landing / source.file_name(month) for month in MONTHS} if source.monthly \
        else {None: landing / source.file_name()}
    for month, path in files.items():
        rows = read(path)
        assert rows or source.name in ("inspection", "case_review"), path
        for row in rows:
            for column in source.columns:
                assert _check_value(column, row[column.name]) is None, (path.name, column.name, row)
            if "institution_code" in row and source.name != "institutions":
                assert row["institution_code"] in institutions
            if "county_code" in row and row.get("managed_by") != "external":
                assert row["county_code"] in counties
            if "settlement_id" in row and source.name == "case_review":
                assert row["settlement_id"] in settlements
            if source.month_column:
                assert row[source.month_column][:7] == month
        if source.key:
            keys = [tuple(row[k] for k in source.key) for row in rows]
            assert len(keys) == len(set(keys)), path


def test_closings_and_ends_are_not_before_their_start(landing):
    for rows in monthly(landing, "inspection").values():
        assert all(r["closed_date"] == "" or r["closed_date"] >= r["inspection_date"] for r in rows)
    for rows in monthly(landing, "enrollment").values():
        assert all(r["end_date"] == "" or r["end_date"] >= r["start_date"] for r in rows)


def test_settlement_amounts_add_up(landing):
    for month, rows in monthly(landing, "settlement").items():
        for row in rows:
            amount = {name: cents(row[name]) for name in AMOUNTS}
            assert sum(amount[p] for p in PARTS) == amount["total_cost"], row
            assert sum(amount[p] for p in PAYMENTS) == amount["total_cost"], row
            sign = -1 if row["reversal_of"] else 1
            assert all(sign * value >= 0 for value in amount.values()), row
            assert sign * amount["eligible_cost"] <= sign * amount["total_cost"], row


def test_stays_have_dates_and_are_settled_on_discharge(landing):
    for month, rows in monthly(landing, "settlement").items():
        for row in rows:
            if row["visit_type"] != "inpatient":
                assert row["admission_date"] == row["discharge_date"] == "", row
            else:
                assert row["admission_date"] <= row["discharge_date"], row
                if not row["reversal_of"]:
                    assert row["settlement_date"] == row["discharge_date"], row


def test_settlement_ids_are_unique_across_months(landing):
    ids = [row["settlement_id"] for rows in monthly(landing, "settlement").values() for row in rows]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"S\d{10}", i) for i in ids)


def test_reversals_negate_an_earlier_settlement(landing):
    seen: dict[str, dict[str, str]] = {}
    reversals = 0
    same = ("person_id", "institution_code", "scheme", "visit_type", "admission_date", "discharge_date",
            "diagnosis_code")
    for month, rows in monthly(landing, "settlement").items():
        for row in rows:  # in file order: an original comes before its reversal
            if row["reversal_of"]:
                reversals += 1
                original = seen[row["reversal_of"]]
                assert not original["reversal_of"]
                assert all(row[c] == original[c] for c in same), row
                assert all(cents(row[a]) == -cents(original[a]) for a in AMOUNTS), row
                assert row["settlement_date"] >= original["settlement_date"]
                assert original["settlement_date"][:7] in (month, MONTHS[MONTHS.index(month) - 1])
            seen[row["settlement_id"]] = row
    total = len(seen)
    assert 0 < reversals < 0.02 * total
    assert len({r["reversal_of"] for r in seen.values() if r["reversal_of"]}) == reversals


def _gb11643_check(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def test_id_cards_are_valid_and_match_the_person(landing):
    numbers = []
    for month, rows in monthly(landing, "enrollment").items():
        for row in rows:
            number = row["id_card_no"]
            assert number[17] == _gb11643_check(number[:17]), row
            assert number[:6] == row["county_code"], row
            assert number[6:14] == row["birth_date"].replace("-", ""), row
            assert int(number[16]) % 2 == (1 if row["gender"] == "M" else 0), row
            assert row["birth_date"] <= row["start_date"], row
            if not row["end_date"]:
                numbers.append(number)
    assert len(numbers) == len(set(numbers))


def test_everyone_enrolls_in_the_first_month_and_later_months_bring_changes(landing):
    enrollment = monthly(landing, "enrollment")
    assert len(enrollment[MONTHS[0]]) >= PERSONS
    first = {row["person_id"] for row in enrollment[MONTHS[0]]}
    for month in MONTHS[1:]:
        rows = enrollment[month]
        assert rows and all(r["end_date"] or r["start_date"][:7] == month for r in rows)
        assert all(r["person_id"] in first or r["start_date"][:7] == month for r in rows if r["end_date"])
    settled = {row["person_id"] for rows in monthly(landing, "settlement").values() for row in rows}
    enrolled = {row["person_id"] for rows in enrollment.values() for row in rows}
    assert settled <= enrolled


def test_ci_money_moves_between_the_funds(landing):
    for month, rows in monthly(landing, "fund_flows").items():
        paid = {r["county_code"]: r["amount"] for r in rows
                if (r["fund_code"], r["direction"], r["item"]) == ("resident_basic", "expense", "transfer_out")}
        received = {r["county_code"]: r["amount"] for r in rows
                    if (r["fund_code"], r["direction"], r["item"]) == ("critical_illness", "income", "transfer_in")}
        assert paid == received


def test_fund_balances_stay_positive(landing):
    opening = read(landing / "reference/fund_opening_balance.csv")
    balance = {r["fund_code"]: cents(r["opening_balance"]) for r in opening}
    flows, settlements = monthly(landing, "fund_flows"), monthly(landing, "settlement")
    for month in MONTHS:
        change = defaultdict(int)
        for r in flows[month]:
            change[r["fund_code"]] += cents(r["amount"]) * (1 if r["direction"] == "income" else -1)
        for r in settlements[month]:
            change["employee_pooled" if r["scheme"] == "employee" else "resident_basic"] -= cents(r["pooled_fund_paid"])
            change["critical_illness"] -= cents(r["critical_illness_paid"])
        for fund in balance:
            balance[fund] += change[fund]
            assert balance[fund] > 0, (month, fund)


def test_budgets_cover_institutions_paid_by_the_pooled_fund(landing):
    budgets = read(landing / "reference/budgets.csv")
    assert {row["year"] for row in budgets} == {"2024", "2025"}
    paid = {row["institution_code"] for rows in monthly(landing, "settlement").values() for row in rows
            if row["institution_code"].startswith("H4508") and cents(row["pooled_fund_paid"]) > 0}
    assert paid <= {row["institution_code"] for row in budgets}


def test_the_ground_truth_names_unreversed_settlements_of_every_rule(landing):
    from orchestration.generator.anomalies import RULES, cases_in_month

    truth = read(landing / GROUND_TRUTH)
    settlements = {row["settlement_id"]: row for rows in monthly(landing, "settlement").values() for row in rows}
    reversed_ids = {row["reversal_of"] for row in settlements.values() if row["reversal_of"]}
    scheduled = {rule for rule in RULES if any(cases_in_month(rule, PERSONS, m) for m in range(len(MONTHS)))}
    assert scheduled <= {row["rule_id"] for row in truth if row["origin"] == "injected"} <= set(RULES)
    assert len({(row["rule_id"], row["settlement_id"]) for row in truth}) == len(truth)
    for row in truth:
        settlement = settlements[row["settlement_id"]]
        assert not settlement["reversal_of"] and row["settlement_id"] not in reversed_ids, row
        assert row["origin"] in ("injected", "natural"), row
        if row["rule_id"] == "ci_high_cost":
            assert Decimal(settlement["critical_illness_paid"]) >= 30000, row
        elif row["rule_id"] == "diabetes_drug_cost":
            assert settlement["visit_type"] == "outpatient_special" and settlement["diagnosis_code"][:3] == "E11"
        else:
            assert settlement["visit_type"] == "inpatient", row


def test_injected_stays_overlap_only_where_meant(landing):
    """Apart from the overlapping_stays pairs, no person is in two beds at once."""
    truth = read(landing / GROUND_TRUTH)
    pairs = {row["settlement_id"] for row in truth if row["rule_id"] == "overlapping_stays"}
    stays = defaultdict(list)
    reversed_ids = set()
    for rows in monthly(landing, "settlement").values():
        for row in rows:
            if row["reversal_of"]:
                reversed_ids.add(row["reversal_of"])
            elif row["visit_type"] == "inpatient":
                stays[row["person_id"]].append(row)
    for person_stays in stays.values():
        person_stays = [s for s in person_stays if s["settlement_id"] not in reversed_ids]
        for a in person_stays:
            for b in person_stays:
                if a is not b and a["admission_date"] < b["discharge_date"] and b["admission_date"] < a["discharge_date"]:
                    assert a["settlement_id"] in pairs and b["settlement_id"] in pairs, (a, b)


def test_persons_for_settlements_is_roughly_right(tmp_path):
    wanted = 20000
    counts = generate(tmp_path, seed=SEED, months=2, persons=persons_for_settlements(wanted, months=2))
    assert abs(counts["settlement"] - wanted) < 0.15 * wanted


def test_the_cli_generates(tmp_path):
    from orchestration.cli import main

    assert main(["generate", "--out", str(tmp_path), "--months", "1", "--persons", "200", "--seed", "3"]) == 0
    assert (tmp_path / "settlement" / "2024-01.csv").exists()


# ------------------------------------------------------------------ issue 19: sizes, lists, case work

def test_out_of_area_institutions_are_external_with_their_own_division_codes(landing):
    institutions = read(landing / "reference/institutions.csv")
    counties = {row["county_code"] for row in read(landing / "reference/counties.csv")}
    external = {row["institution_code"]: row["county_code"] for row in institutions if row["managed_by"] == "external"}
    assert len(external) == 8 and not set(external.values()) & counties
    assert all(code[1:7] == county for code, county in external.items())  # the national code's region
    assert all(row["county_code"] in counties for row in institutions if row["managed_by"] != "external")
    for rows in monthly(landing, "settlement").values():
        assert all((row["institution_code"] in external) == (row["is_out_of_area"] == "1") for row in rows)


@pytest.mark.parametrize("persons, base, top", [(5000, 1200, 3), (20000, 5000, 3), (100000, 25000, 4),
                                                (250000, 62500, 10), (1000000, 100000, 10)])
def test_the_written_policy_parameters_scale_with_the_persons(persons, base, top):
    from orchestration.generator.policy import policy_parameters

    assert policy_parameters(persons) == {"growth_min_base": base, "top_usage_county": top}


def test_the_policy_parameters_file_holds_the_scaled_values(landing):
    assert read(landing / "reference/policy_parameters.csv") == [
        {"key": "growth_min_base", "value": "400"}, {"key": "top_usage_county", "value": "3"}]  # 1,500 persons


def test_injected_cases_scale_with_the_persons_and_come_at_least_once_a_year():
    from orchestration.generator.anomalies import RULES, cases_in_month
    from orchestration.generator.parameters import PATTERN_CASES

    for rule in RULES:
        for persons in (100, 5000, 20000, 1000000):
            per_year = [sum(cases_in_month(rule, persons, month) for month in range(year * 12, year * 12 + 12))
                        for year in range(3)]
            expected = max(PATTERN_CASES[rule] * persons / 100000 * 12, 1)
            assert all(abs(count - expected) <= 1 for count in per_year), (rule, persons, per_year)
    assert sum(cases_in_month("ci_high_cost", 20000, month) for month in range(24)) == 2
    assert sum(cases_in_month("ci_high_cost", 1000000, month) for month in range(12)) == 60


def test_case_reviews_follow_the_contract_and_the_bureau_s_pace(tmp_path):
    """A year at the default size: every review names a flagged case (ground truth), is received
    after the settlement and a few weeks later at most, and most are concluded within 3 months."""
    generate(tmp_path, seed=SEED, start="2024-01", months=12, persons=20000)
    settlements = {row["settlement_id"]: row for path in sorted((tmp_path / "settlement").glob("*.csv"))
                   for row in read(path)}
    truth = {row["settlement_id"] for row in read(tmp_path / GROUND_TRUTH)}
    reviews = defaultdict(list)
    for path in sorted((tmp_path / "case_review").glob("*.csv")):
        for row in read(path):
            assert row["status_date"][:7] == path.stem and row["received_date"] <= row["status_date"], row
            assert (row["outcome"] == "confirmed") or Decimal(row["violating_amount"]) == 0, row
            assert 0 <= Decimal(row["ci_refused_amount"]) <= Decimal(row["violating_amount"]), row
            assert Decimal(row["ci_refused_amount"]) <= Decimal(settlements[row["settlement_id"]]["critical_illness_paid"])
            reviews[row["settlement_id"]].append(row)
    assert set(reviews) <= truth and len(reviews) > 0.8 * len(truth) - 40  # submitted unless received after the end
    waits, concluded_in_time, concluded = [], 0, 0
    for settlement_id, rows in reviews.items():
        received = date.fromisoformat(rows[0]["received_date"])
        waits.append((received - date.fromisoformat(settlements[settlement_id]["settlement_date"])).days)
        final = max(rows, key=lambda row: row["status_date"])
        if final["outcome"] != "pending":
            concluded += 1
            concluded_in_time += date.fromisoformat(final["status_date"]) <= _three_months_after(received)
    assert 7 <= min(waits) and max(waits) <= 45
    assert concluded_in_time / concluded > 0.75 and concluded_in_time < concluded


def _three_months_after(day: date) -> date:
    month = day.month + 3
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, min(day.day, 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31))


def test_the_ci_fund_stays_normal_at_the_default_size(tmp_path):
    """The demo's CI fund, computed from its files as fund_payable_months computes it: the
    balance ÷ the mean expenditure of the twelve months up to it is at least 6 (not `low`) in
    every month, and the CI money it pays is financed with a margin over the two years."""
    generate(tmp_path)  # the defaults: 20,000 persons, 24 months from 2024-01
    opening = {r["fund_code"]: cents(r["opening_balance"]) for r in read(tmp_path / "reference/fund_opening_balance.csv")}
    balance, spent, income_total, paid_total, lowest = opening["critical_illness"], [], 0, 0, float("inf")
    for path in sorted((tmp_path / "settlement").glob("*.csv")):
        paid = sum(cents(r["critical_illness_paid"]) for r in read(path))
        flows = [r for r in read(tmp_path / "fund_flows" / path.name) if r["fund_code"] == "critical_illness"]
        income = sum(cents(r["amount"]) for r in flows if r["direction"] == "income")
        expense = paid + sum(cents(r["amount"]) for r in flows if r["direction"] == "expense")
        balance += income - expense
        spent.append(expense)
        income_total, paid_total = income_total + income, paid_total + paid
        lowest = min(lowest, balance / (sum(spent[-12:]) / len(spent[-12:])))
    assert lowest >= 6
    assert paid_total < income_total * 1.15  # heavy-tailed at this size: the floor of 6.5 months absorbs it
