"""The loader against a real PostgreSQL: encodings, re-delivery, row rules, rejected files."""

from __future__ import annotations

import codecs
import hashlib
import tracemalloc
from functools import partial
from pathlib import Path

import psycopg
import pytest

from orchestration.loading import discover, load_file, load_files
from orchestration.loading.landing import SYMBOLIC_LINK
from orchestration.loading.reading import COLUMNS, inspect
from orchestration.raw_schema import TYPE_TESTS
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


def test_months_loaded_in_one_call_see_earlier_months_in_order(db, warehouse_url, tmp_path):
    """Rules across months see the months strictly in order: reversals of earlier months load,
    ids an earlier month loaded are quarantined."""
    write_reference(tmp_path)
    assert {load.status for load in load_all(db, tmp_path)} == {"loaded"}
    months = [f"2024-{number:02d}" for number in range(1, 5)]
    files = []
    for number, month in enumerate(months, start=1):
        date = f"{month}-10"
        rows_of_month = [settlement(f"S{number}-{i}", settlement_date=date) for i in range(30)]
        if number > 1:  # reverses a settlement of the month before, repeats one of two months before
            rows_of_month.append(settlement(f"R{number}", settlement_date=date,
                                            **{**REVERSAL, "reversal_of": f"S{number - 1}-7"}))
            rows_of_month.append(settlement(f"S{max(number - 2, 1)}-3", settlement_date=date))
        files.append((write_csv(tmp_path / "settlement" / f"{month}.csv", "settlement", rows_of_month), month))
    connect = partial(psycopg.connect, warehouse_url, autocommit=True)
    loads = list(load_files(connect, SOURCES["settlement"], files, tmp_path))
    assert [(load.month, load.rows_loaded, load.rows_quarantined) for load in loads] == [
        ("2024-01", 30, 0)] + [(month, 31, 1) for month in months[1:]]
    assert rows(db, "select distinct reason from quarantine.settlement") == [
        ("settlement_id already loaded from another file",)]
    load_ids = [row[0] for row in rows(db, """select load_id from audit.file_loads
                                              where source = 'settlement' order by month""")]
    assert load_ids == sorted(load_ids)


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
    ("結算".encode("utf-16"), "missing required column(s): settlement_id"),
    ("settlement_id,person_id\n".encode("utf-16-le"), "not a CSV text file: NUL bytes between the characters"),
    (b"PK\x03\x04\x00\x00binary", "not a CSV text file: a ZIP archive"),
    (b"settlement_id\xe9,person_id\n", "unknown encoding: neither UTF-8 nor GB18030 (line 1 has the byte 0xE9"),
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


def _shapes(tmp_path: Path) -> dict[str, Path]:
    """The same two settlements written as real exports write them."""
    rows = [settlement("S1", doctor_code="醫師甲"), settlement("S2")]
    columns = SOURCES["settlement"].column_names
    lf = write_csv(tmp_path / "lf.csv", "settlement", rows)
    text = lf.read_text(encoding="utf-8")
    files = {"lf": lf}
    for name, content in {
        "crlf": text.replace("\n", "\r\n").encode(),
        "bom": codecs.BOM_UTF8 + text.encode(),
        "gb18030": text.encode("gb18030"),
        "utf16": text.encode("utf-16"),
        "tab": text.replace(",", "\t").encode(),
        "semicolon_crlf_bom": codecs.BOM_UTF8 + text.replace(",", ";").replace("\n", "\r\n").encode(),
    }.items():
        files[name] = tmp_path / f"{name}.csv"
        files[name].write_bytes(content)
    assert columns == text.splitlines()[0].split(",")
    return files


@pytest.mark.parametrize("shape", ["lf", "crlf", "bom", "gb18030", "utf16", "tab", "semicolon_crlf_bom"])
def test_real_export_shapes_are_split_by_copy_and_load_alike(db, tmp_path, shape):
    """CRLF, a BOM, GB18030, UTF-16 with its BOM, tabs or semicolons: COPY splits the lines
    itself (the fast path of a plain UTF-8 LF file), and the rows load as from that file."""
    path = _shapes(tmp_path)[shape]
    assert inspect(path, SOURCES["settlement"].column_names).shape == COLUMNS
    write_reference(tmp_path)
    target = tmp_path / "settlement" / "2024-01.csv"
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(path.read_bytes())
    load_all(db, tmp_path)
    assert rows(db, "select settlement_id, doctor_code, total_cost::text, _line_number from raw.settlement "
                    "order by 1") == [("S1", "醫師甲", "100.00", 2), ("S2", "D01", "100.00", 3)]


def test_an_unbalanced_quote_rejects_the_file_naming_its_line(db, tmp_path):
    """A quote that opens a field and never closes it, with more than Python's CSV field limit
    after it: the file is rejected with its line, recorded, and the month loaded before stays."""
    write_reference(tmp_path)
    path = write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [settlement("S1")])
    load_all(db, tmp_path)
    rows_of_file = [settlement(f"S{i}") for i in range(2, 3000)]
    rows_of_file[2]["doctor_code"] = '"D01'
    write_csv(path, "settlement", rows_of_file)
    assert path.stat().st_size > 128 << 10
    (load,) = [l for l in load_all(db, tmp_path) if l.source == "settlement"]
    assert load.status == "rejected"
    assert load.message.startswith("line 4: a quoted field does not end (an unbalanced quote?)")
    assert rows(db, "select settlement_id from raw.settlement") == [("S1",)]
    assert rows(db, "select status, message from audit.file_loads where source = 'settlement' order by load_id") == [
        ("loaded", None), ("rejected", load.message)]


def test_a_large_file_with_a_stray_quote_is_read_in_bounded_memory(db, tmp_path, monkeypatch):
    """A quote sends a file through Python's CSV parser, a record at a time: what Python holds
    at once is a few chunks of the file, whatever its size (here chunks of 256 KB, a 4 MB file)."""
    from orchestration.loading import reading

    monkeypatch.setattr(reading, "CHUNK", 256 << 10)
    write_reference(tmp_path)
    path = write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement",
                     [settlement(f"S{i}", doctor_code=f"D{i}") for i in range(32_000)])
    path.write_bytes(path.read_bytes().replace(b",D7\n", b',D"7\n'))
    size = path.stat().st_size
    assert size > 4 << 20
    landing = discover(tmp_path)
    for name, reference in landing.reference.items():
        load_file(db, SOURCES[name], reference, landing.root)
    tracemalloc.start()
    try:
        load = load_file(db, SOURCES["settlement"], path, tmp_path, "2024-01")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (load.status, load.rows_loaded) == ("loaded", 32_000)
    assert rows(db, "select doctor_code from raw.settlement where settlement_id = 'S7'") == [('D"7',)]
    assert peak < size / 2, f"{peak:,} bytes at most for a file of {size:,}"


def test_a_symbolic_link_is_refused(db, tmp_path):
    """A link in the landing directory could make the loader read any file it can: it is never
    followed, and its rejection is recorded."""
    outside = write_csv(tmp_path / "outside" / "2024-01.csv", "settlement", [settlement("S1")])
    root = tmp_path / "landing"
    write_reference(root)
    (root / "settlement").mkdir()
    (root / "settlement" / "2024-01.csv").symlink_to(outside)
    (root / "fund_flows").symlink_to(outside.parent, target_is_directory=True)
    landing = discover(root)
    assert landing.monthly["settlement"] == {} and "fund_flows" not in landing.monthly.get("fund_flows", {})
    assert sorted((s, p.relative_to(root).as_posix(), why) for s, p, why in landing.misplaced) == [
        ("fund_flows", "fund_flows", SYMBOLIC_LINK), ("settlement", "settlement/2024-01.csv", SYMBOLIC_LINK)]
    load = load_file(db, SOURCES["settlement"], root / "settlement" / "2024-01.csv", root, "2024-01")
    assert (load.status, load.message) == ("rejected", SYMBOLIC_LINK)
    assert rows(db, "select sha256 from audit.file_loads where status = 'rejected'") == [(None,)]


def test_the_type_tests_written_out_for_postgresql_15_agree_with_16s(db):
    """On 15 the loader's type tests cannot call pg_input_is_valid(): their written-out form must
    accept exactly what a cast accepts (checked here against 16's own test), apart from the
    forms only 16 reads."""
    if db.info.server_version < 160000:
        pytest.skip("compares with PostgreSQL 16's pg_input_is_valid()")
    db.execute(TYPE_TESTS[150000].replace("loader.", "pg_temp."))
    common = [None, "0", "12", "-12", "+12", " 12 ", "12.", ".5", "-.5", "1.23", "1e3", "1E-2", "-1.5e+10", "NaN", "nan",
              "Infinity", "-inf", "+Infinity", "", " ", "-", ".", "1.2.3", "12O", "1,000", "１２", "2147483647",
              "2147483648", "-2147483648", "-2147483649", "9" * 40, "2024-01-31", "2024-02-29", "2023-02-29",
              "2024-02-30", "2024-04-31", "2024-13-01", "2024-00-10", "0000-01-01", "2024-1-05", "20240105",
              "2024/01/05", "9999-12-31"]
    edges = ["1e999", "1e1001", "1e-1001", "9" * 2000, "1_000", "0x1A", "0o17", "0b101", "2024-01-5 ", " 2024-01-05"]
    for kind, function in (("numeric", "is_numeric"), ("integer", "is_integer"), ("date", "is_date")):
        for value in common + edges:
            written_out, builtin = db.execute(f"select pg_temp.{function}(%s), loader.{function}(%s)",
                                              [value, value]).fetchone()
            assert written_out == builtin or (value in edges and not written_out), (kind, value)
            if written_out:
                db.execute(f"select %s::{kind}", [value])  # the cast it stands for succeeds
