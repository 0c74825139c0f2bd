"""The loader against a real PostgreSQL: encodings, re-delivery, row rules, rejected files."""

from __future__ import annotations

import hashlib
from functools import partial
from pathlib import Path

import psycopg
import pytest

from orchestration.loading import discover, load_file, load_files
from orchestration.sources import SOURCES
from tests.landing_files import INSTITUTIONS, case_review, settlement, write_csv, write_reference


def load_all(db, root: Path):
    """Load every file of the landing directory `root` in contract order; return the loads."""
    landing = discover(root)
    loads = [load_file(db, SOURCES[name], path, landing.root) for name, path in landing.reference.items()]
    for name, files in landing.monthly.items():
        loads += [load_file(db, SOURCES[name], path, landing.root, month) for month, path in files.items()]
    return loads


def rows(db, sql: str) -> list[tuple]:
    return db.execute(sql).fetchall()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings_load_chinese_names(db, tmp_path, encoding):
    write_reference(tmp_path, encoding)
    write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [settlement("S1")], encoding)
    loads = load_all(db, tmp_path)
    assert [load.status for load in loads] == ["loaded"] * 3
    assert rows(db, "select institution_name from raw.institutions order by 1") == [
        ("平南縣人民醫院",), ("貴港市人民醫院",)]
    expected = "GB18030" if encoding == "gb18030" else "UTF8"
    assert rows(db, "select encoding from audit.file_loads where source = 'institutions'") == [(expected,)]
    assert rows(db, "select settlement_id, total_cost::text from raw.settlement") == [("S1", "100.00")]


def test_crlf_and_quoted_fields_take_the_csv_parser(db, tmp_path):
    write_reference(tmp_path)
    path = tmp_path / "settlement" / "2024-01.csv"
    write_csv(path, "settlement", [settlement("S1"), settlement("S2", doctor_code="D7")], newline="\r\n")
    text = path.read_text().replace("D7", '"D, 7\nsecond line"')
    path.write_text(text, newline="")
    load_all(db, tmp_path)
    assert rows(db, "select settlement_id, doctor_code, _line_number from raw.settlement order by 1") == [
        ("S1", "D01", 2), ("S2", "D, 7\nsecond line", 3)]


def test_redelivered_month_replaces_that_month_only(db, tmp_path):
    write_reference(tmp_path)
    jan = write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [settlement("S1"), settlement("S2")])
    write_csv(tmp_path / "settlement" / "2024-02.csv", "settlement",
              [settlement("S3", settlement_date="2024-02-01")])
    load_all(db, tmp_path)
    write_csv(jan, "settlement", [settlement("S1", total_cost="200.00", drug_cost="160.00",
                                             pooled_fund_paid="170.00")])
    loads = load_all(db, tmp_path)
    assert [(l.file, l.status) for l in loads if l.source == "settlement"] == [
        ("settlement/2024-01.csv", "loaded"), ("settlement/2024-02.csv", "unchanged")]
    assert rows(db, "select settlement_id, total_cost::text from raw.settlement order by 1") == [
        ("S1", "200.00"), ("S3", "100.00")]


def test_loading_the_same_directory_twice_leaves_the_same_state(db, tmp_path):
    write_reference(tmp_path)
    write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement",
              [settlement("S1"), settlement("S2", institution_code="NOPE")])
    load_all(db, tmp_path)
    state = """select settlement_id, _load_id from raw.settlement
               union all select reason, _load_id from quarantine.settlement order by 1"""
    first = rows(db, state)
    assert [load.status for load in load_all(db, tmp_path)] == ["unchanged"] * 3
    assert rows(db, state) == first == [("S1", 3), ("unknown institution_code", 3)]


REVERSAL = dict(reversal_of="S0", total_cost="-100.00", eligible_cost="-90.00", drug_cost="-60.00",
                exam_cost="-20.00", treatment_cost="-10.00", material_cost="-5.00", other_cost="-5.00",
                pooled_fund_paid="-70.00", account_paid="-20.00", cash_paid="-10.00")
INPATIENT = dict(visit_type="inpatient", admission_date="2024-01-05", discharge_date="2024-01-10")

ROW_RULES = [
    ({"settlement_id": ""}, "settlement_id: required"),
    ({"scheme": "farmer"}, "scheme: not one of employee, resident: farmer"),
    ({"settlement_date": "2024-02-30"}, "settlement_date: not a date (YYYY-MM-DD): 2024-02-30"),
    ({"total_cost": "12O"}, "total_cost: not an amount: 12O"),
    ({"total_cost": "100.001"}, "total_cost: not an amount (yuan, up to 2 decimals): 100.001"),
    ({"cash_paid": "NaN"}, "cash_paid: not an amount (yuan, up to 2 decimals): NaN"),
    ({"cash_paid": "-Infinity"}, "cash_paid: not an amount (yuan, up to 2 decimals): -Infinity"),
    ({"is_out_of_area": "yes"}, "is_out_of_area: not 0 or 1: yes"),
    ({"settlement_date": "2024-02-01"}, "settlement_date 2024-02-01 outside the file's month 2024-01"),
    ({"institution_code": "H999"}, "unknown institution_code"),
    ({"drug_cost": "61.00"}, "cost parts do not sum to total_cost"),
    ({"cash_paid": "10.02"}, "payments do not sum to total_cost"),
    ({"drug_cost": "80.00", "exam_cost": "-10.00", "treatment_cost": "20.00"},
     "negative amount on a row that is not a reversal"),
    ({**REVERSAL, "cash_paid": "10.00", "account_paid": "-40.00"}, "positive amount on a reversal"),
    ({"visit_type": "inpatient"}, "inpatient stay without admission_date or discharge_date"),
    ({"admission_date": "2024-01-05"}, "admission_date or discharge_date on a visit that is not inpatient"),
    ({**INPATIENT, "discharge_date": "2024-01-04"}, "discharge_date before admission_date"),
]


@pytest.mark.parametrize("override, reason", ROW_RULES, ids=lambda v: str(v)[:40])
def test_each_row_rule_quarantines_with_its_reason(db, tmp_path, override, reason):
    write_reference(tmp_path)
    write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement",
              [settlement("S0"), settlement("S9", **override)])
    (load,) = [l for l in load_all(db, tmp_path) if l.source == "settlement"]
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (2, 1, 1)
    assert rows(db, "select file, line_number, reason from quarantine.settlement") == [
        ("settlement/2024-01.csv", 3, reason)]
    assert rows(db, "select settlement_id from raw.settlement") == [("S0",)]


def test_tolerance_of_one_cent_and_valid_reversals_load(db, tmp_path):
    write_reference(tmp_path)
    write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [
        settlement("S0", cash_paid="10.01"),
        settlement("S1", **REVERSAL),
        settlement("S2", **{**INPATIENT, "discharge_date": "2024-01-05"}),
    ])
    load_all(db, tmp_path)
    assert rows(db, "select count(*) from raw.settlement") == [(3,)]


def test_field_count_and_duplicates_are_quarantined(db, tmp_path):
    write_reference(tmp_path)
    write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement",
              [settlement("S1"), settlement("S2", total_cost="12,5"), settlement("S1")])
    write_csv(tmp_path / "settlement" / "2024-02.csv", "settlement",
              [settlement("S1", settlement_date="2024-02-03")])
    load_all(db, tmp_path)
    assert rows(db, "select file, line_number, reason from quarantine.settlement order by 1, 2") == [
        ("settlement/2024-01.csv", 3, "expected 24 fields, found 25"),
        ("settlement/2024-01.csv", 4, "duplicate settlement_id within the file"),
        ("settlement/2024-02.csv", 2, "settlement_id already loaded from another file"),
    ]
    raw_line = rows(db, "select raw_line from quarantine.settlement where line_number = 3")[0][0]
    assert raw_line.startswith("S2,,P1,H001,") and ",12,5," in raw_line


def test_months_loaded_side_by_side_see_earlier_months_in_order(db, warehouse_url, tmp_path):
    """Each month is checked while the previous one commits, yet rules across months see the
    months strictly in order: reversals of earlier months load, repeated ids are quarantined."""
    write_reference(tmp_path)
    assert {load.status for load in load_all(db, tmp_path)} == {"loaded"}
    months = [f"2024-{number:02d}" for number in range(1, 9)]
    files = []
    for number, month in enumerate(months, start=1):
        date = f"{month}-10"
        rows_of_month = [settlement(f"S{number}-{i}", settlement_date=date) for i in range(300)]
        if number > 1:  # reverses a settlement of the month before, repeats one of two months before
            rows_of_month.append(settlement(f"R{number}", settlement_date=date,
                                            **{**REVERSAL, "reversal_of": f"S{number - 1}-7"}))
            rows_of_month.append(settlement(f"S{max(number - 2, 1)}-3", settlement_date=date))
        files.append((write_csv(tmp_path / "settlement" / f"{month}.csv", "settlement", rows_of_month), month))
    connect = partial(psycopg.connect, warehouse_url, autocommit=True)
    loads = list(load_files(connect, SOURCES["settlement"], files, tmp_path, workers=2))
    assert [(load.month, load.rows_loaded, load.rows_quarantined) for load in loads] == [
        ("2024-01", 300, 0)] + [(month, 301, 1) for month in months[1:]]
    assert rows(db, "select distinct reason from quarantine.settlement") == [
        ("settlement_id already loaded from another file",)]
    load_ids = [row[0] for row in rows(db, """select load_id from audit.file_loads
                                              where source = 'settlement' order by month""")]
    assert load_ids == sorted(load_ids)


@pytest.fixture
def split_loads(monkeypatch):
    """Every regular file loaded alone is checked in two halves; records each split's middle byte."""
    from orchestration.loading import loader

    monkeypatch.setattr(loader, "_SPLIT_BYTES", 1)
    middles = []
    split = loader._land_and_check_halves
    monkeypatch.setattr(loader, "_land_and_check_halves",
                        lambda conn, source, month, landing, middle, helper:
                        middles.append(middle) or split(conn, source, month, landing, middle, helper))
    return middles


def handover_tables(db) -> list[tuple]:
    return rows(db, "select tablename from pg_tables where schemaname = 'loader' order by 1")


def test_a_file_loaded_alone_in_two_halves_loads_as_in_one(db, warehouse_url, tmp_path, split_loads):
    """Lines, quarantine, a key repeated in the other half and reversals across the halves come
    out as from one piece; the hand-over tables are gone, with those of an ended session."""
    write_reference(tmp_path)
    load_all(db, tmp_path)
    db.execute("create unlogged table loader.handover_999999999_landing (line_number integer)")
    path = write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [
        settlement("S1"), settlement("S2", institution_code="NOPE"),
        settlement("R3", **{**REVERSAL, "reversal_of": "S9"}), settlement("S4"), settlement("S5"),
        settlement("S6"), settlement("S7"), settlement("S1"),
        settlement("R9", **{**REVERSAL, "reversal_of": "S4"}), settlement("S9"),
        settlement("S11", institution_code="NOPE")])
    connect = partial(psycopg.connect, warehouse_url, autocommit=True)
    (load,) = load_files(connect, SOURCES["settlement"], [(path, "2024-01")], tmp_path, workers=2)
    assert len(split_loads) == 1
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (11, 8, 3)
    assert rows(db, "select settlement_id, _line_number from raw.settlement order by 2") == [
        ("S1", 2), ("R3", 4), ("S4", 5), ("S5", 6), ("S6", 7), ("S7", 8), ("R9", 10), ("S9", 11)]
    lines = path.read_text().splitlines()
    assert rows(db, "select line_number, raw_line, reason from quarantine.settlement order by 1") == [
        (3, lines[2], "unknown institution_code"), (9, lines[8], "duplicate settlement_id within the file"),
        (12, lines[11], "unknown institution_code")]
    assert handover_tables(db) == []


def test_a_half_that_copy_cannot_split_sends_the_file_the_slow_way(db, warehouse_url, tmp_path, split_loads):
    """A line with a field too many and one with a field too few (in the second half, so the
    helper's COPY fails): the file is landed again whole, by line, which names both."""
    write_reference(tmp_path)
    load_all(db, tmp_path)
    path = write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [settlement(f"S{i}") for i in range(1, 8)])
    lines = path.read_text().splitlines()
    lines[-2] += ",D02"  # 25 fields
    lines[-1] = lines[-1].rpartition(",")[0]  # 23 fields
    path.write_text("\n".join(lines) + "\n")
    connect = partial(psycopg.connect, warehouse_url, autocommit=True)
    (load,) = load_files(connect, SOURCES["settlement"], [(path, "2024-01")], tmp_path, workers=2)
    assert len(split_loads) == 1
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (7, 5, 2)
    assert rows(db, "select line_number, reason from quarantine.settlement order by 1") == [
        (7, "expected 24 fields, found 25"), (8, "expected 24 fields, found 23")]
    assert handover_tables(db) == []


def test_rows_read_equals_loaded_plus_quarantined_in_the_audit(db, tmp_path):
    write_reference(tmp_path)
    write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement",
              [settlement(f"S{i}", institution_code="H001" if i % 3 else "X") for i in range(10)])
    load_all(db, tmp_path)
    assert rows(db, """select rows_read, rows_loaded, rows_quarantined, status from audit.file_loads
                       where source = 'settlement'""") == [(10, 6, 4, "loaded")]


@pytest.mark.parametrize("content, message", [
    (b"", "empty file: no header row"),
    (b"settlement_id,person_id\nS1,P1\n", "missing required column(s): reversal_of, institution_code"),
    ("結算".encode("utf-16"), "unknown encoding: neither UTF-8 nor GB18030"),
    (b"PK\x03\x04\x00\x00binary", "not a CSV text file (contains NUL bytes)"),
])
def test_a_rejected_file_leaves_earlier_data_intact(db, tmp_path, content, message):
    write_reference(tmp_path)
    path = write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [settlement("S1")])
    load_all(db, tmp_path)
    path.write_bytes(content)
    (load,) = [l for l in load_all(db, tmp_path) if l.source == "settlement"]
    assert load.status == "rejected" and load.message.startswith(message)
    assert rows(db, "select settlement_id from raw.settlement") == [("S1",)]
    audit = rows(db, "select status, file, message, sha256 from audit.file_loads where source = 'settlement' order by load_id")
    assert [a[0] for a in audit] == ["loaded", "rejected"]
    assert audit[1][1] == "settlement/2024-01.csv" and audit[1][2].startswith(message)
    assert audit[1][3] == hashlib.sha256(content).hexdigest()


EXTERNAL = {"institution_code": "H440304", "institution_name": "深圳市人民醫院", "institution_type": "hospital",
            "hospital_level": "3", "ownership": "public", "county_code": "440303", "managed_by": "external",
            "beds": "3000"}


def test_an_external_institution_keeps_its_own_division_code(db, tmp_path):
    """An institution outside the prefecture (managed_by external) has a county_code that is not
    in counties.csv; a local institution with such a code is still quarantined."""
    write_reference(tmp_path)
    local = {**EXTERNAL, "institution_code": "H003", "managed_by": "county"}
    write_csv(tmp_path / "reference" / "institutions.csv", "institutions", [*INSTITUTIONS, EXTERNAL, local])
    load_all(db, tmp_path)
    assert rows(db, "select institution_code, county_code, managed_by from raw.institutions order by 1") == [
        ("H001", "450802", "city"), ("H002", "450821", "county"), ("H440304", "440303", "external")]
    assert rows(db, "select line_number, reason from quarantine.institutions") == [(5, "unknown county_code")]


CASE_REVIEW_RULES = [
    ({"settlement_id": "S404"}, "settlement_id names no loaded settlement"),
    ({"submitted_by": "police"}, "submitted_by: not one of insurer, bureau: police"),
    ({"outcome": "closed"}, "outcome: not one of pending, confirmed, cleared: closed"),
    ({"received_date": ""}, "received_date: required"),
    ({"status_date": "2024-02-01", "received_date": "2024-01-02"},
     "status_date 2024-02-01 outside the file's month 2024-01"),
    ({"received_date": "2024-01-21"}, "received_date after status_date"),
    ({"violating_amount": "-5.00", "outcome": "confirmed"}, "violating_amount: negative amount: -5.00"),
    ({"violating_amount": "50.00"}, "violating_amount on a case that is not confirmed"),
    ({"violating_amount": "50.00", "outcome": "cleared"}, "violating_amount on a case that is not confirmed"),
    ({"outcome": "confirmed", "violating_amount": "50.00", "ci_refused_amount": "50.01"},
     "ci_refused_amount above violating_amount"),
    ({"ci_refused_amount": "-1.00"}, "ci_refused_amount: negative amount: -1.00"),
]


@pytest.mark.parametrize("override, reason", CASE_REVIEW_RULES, ids=lambda v: str(v)[:40])
def test_each_case_review_rule_quarantines_with_its_reason(db, tmp_path, override, reason):
    write_reference(tmp_path)
    write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [settlement("S1"), settlement("S2")])
    write_csv(tmp_path / "case_review" / "2024-01.csv", "case_review",
              [case_review("S1", outcome="confirmed", violating_amount="80.00", ci_refused_amount="80.00"),
               case_review("S2", **override)])
    (load,) = [l for l in load_all(db, tmp_path) if l.source == "case_review"]
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (2, 1, 1)
    assert rows(db, "select file, line_number, reason from quarantine.case_review") == [
        ("case_review/2024-01.csv", 3, reason)]
    assert rows(db, "select settlement_id, outcome, violating_amount::text, ci_refused_amount::text "
                    "from raw.case_review") == [("S1", "confirmed", "80.00", "80.00")]


def test_case_reviews_are_checked_again_when_their_settlements_are_redelivered(db, tmp_path):
    """A review is valid only while its settlement is loaded: a re-delivered settlement month
    without it sends the review, unchanged, to quarantine on the next load."""
    write_reference(tmp_path)
    january = write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [settlement("S1"), settlement("S2")])
    write_csv(tmp_path / "case_review" / "2024-01.csv", "case_review", [case_review("S1"), case_review("S2")])
    write_csv(tmp_path / "case_review" / "2024-03.csv", "case_review",
              [case_review("S2", status_date="2024-03-05", outcome="cleared")])
    load_all(db, tmp_path)
    assert rows(db, "select settlement_id, _month::text from raw.case_review order by 2, 1") == [
        ("S1", "2024-01-01"), ("S2", "2024-01-01"), ("S2", "2024-03-01")]
    write_csv(january, "settlement", [settlement("S2")])
    loads = load_all(db, tmp_path)
    assert [(l.file, l.status) for l in loads if l.source == "case_review"] == [
        ("case_review/2024-01.csv", "loaded"), ("case_review/2024-03.csv", "loaded")]
    assert rows(db, "select settlement_id, _month::text from raw.case_review order by 2, 1") == [
        ("S2", "2024-01-01"), ("S2", "2024-03-01")]
    assert rows(db, "select file, line_number, reason from quarantine.case_review") == [
        ("case_review/2024-01.csv", 2, "settlement_id names no loaded settlement")]


@pytest.mark.parametrize("key, value, reason", [
    ("readmission_excluded_diagnoses", "Z51", None),
    ("readmission_excluded_diagnoses", "Z51; Z08;C79", None),
    ("readmission_excluded_diagnoses", "z51",
     "readmission_excluded_diagnoses: not 3-character ICD-10 categories separated by ;"),
    ("readmission_excluded_diagnoses", "Z51.1",
     "readmission_excluded_diagnoses: not 3-character ICD-10 categories separated by ;"),
    ("growth_min_base", "-2.5", None),
    ("growth_min_base", "Z51", "value is not a number"),
    ("growth_min_base", "1e5", "value is not a number"),
])
def test_policy_parameters_are_numbers_but_for_the_text_ones(db, tmp_path, key, value, reason):
    write_csv(tmp_path / "reference" / "policy_parameters.csv", "policy_parameters",
              [{"key": "top_usage_city", "value": "4"}, {"key": key, "value": value}])
    (load,) = load_all(db, tmp_path)
    assert rows(db, "select key, value from raw.policy_parameters order by _line_number") == \
        [("top_usage_city", "4")] + ([(key, value)] if reason is None else [])
    assert rows(db, "select line_number, reason from quarantine.policy_parameters") == \
        ([] if reason is None else [(3, reason)])
