"""The malformed-input corpus (tests/malformed/): each file's outcome, and earlier data untouched.

Every file is delivered as `settlement/2024-02.csv` onto a warehouse that already holds
January (J1, J2). A file is either loaded (normalised where needed), loaded with named rows
quarantined, or rejected with a named error; in every case January stays exactly as it was, and
a rejected February leaves the February delivered before it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchestration.loading import discover, load_file
from orchestration.sources import SOURCES
from tests.landing_files import settlement, write_csv, write_reference

CORPUS = Path(__file__).parent / "malformed"
FEBRUARY = "settlement/2024-02.csv"


@dataclass(frozen=True)
class Loaded:
    ids: tuple[str, ...]
    quarantined: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Rejected:
    message: str


CASES = {
    "gb18030.csv": Loaded(("F1", "F2")),
    "utf8_bom.csv": Loaded(("F1", "F2")),
    "crlf.csv": Loaded(("F1", "F2")),
    "blank_lines.csv": Loaded(("F1", "F2")),
    "columns_reordered.csv": Loaded(("F1", "F2")),
    "extra_column.csv": Loaded(("F1", "F2")),
    "spaces_around_values.csv": Loaded(("F1", "F2")),
    "quoted_comma_newline.csv": Loaded(("F1", "F2")),
    "fullwidth_digits.csv": Loaded(("F1", "F2")),
    "date_slashes.csv": Loaded(("F1", "F2")),
    "date_compact.csv": Loaded(("F1", "F2")),
    "thousands_separator.csv": Loaded(("F1", "F2")),
    "header_only.csv": Loaded(()),
    "truncated_last_line.csv": Loaded(("F1",), ((3, "expected 24 fields, found 7"),)),
    "extra_field_in_row.csv": Loaded(("F1",), ((3, "expected 24 fields, found 25"),)),
    "repeated_header.csv": Loaded(("F1", "F2"), ((3, "repeated header row"),)),
    "wrong_month.csv": Loaded(("F1",), ((3, "settlement_date 2024-03-01 outside the file's month 2024-02"),)),
    "unknown_institution.csv": Loaded(("F1",), ((3, "unknown institution_code"),)),
    "duplicate_id_across_months.csv": Loaded(("F1",), ((3, "settlement_id already loaded from another file"),)),
    "duplicate_id_within_file.csv": Loaded(("F1", "F2"), ((4, "duplicate settlement_id within the file"),)),
    "reversal_of_unknown_settlement.csv": Loaded(("F1", "F3"), ((3, "reversal_of names no loaded settlement_id"),)),
    "payments_do_not_sum.csv": Loaded(("F1",), ((3, "payments do not sum to total_cost"),)),
    "impossible_date.csv": Loaded(("F1",), ((3, "settlement_date: not a date (YYYY-MM-DD): 2024-02-30"),)),
    "unknown_visit_type.csv": Loaded(("F1",), (
        (3, "visit_type: not one of inpatient, outpatient_special, outpatient_general, pharmacy: emergency"),)),
    "negative_without_reversal.csv": Loaded(("F1",), ((3, "negative amount on a row that is not a reversal"),)),
    "discharge_before_admission.csv": Loaded(("F1",), ((3, "discharge_date before admission_date"),)),
    "three_decimals.csv": Loaded(("F1",), ((3, "total_cost: not an amount (yuan, up to 2 decimals): 100.001"),)),
    "empty.csv": Rejected("empty file: no header row"),
    "missing_column.csv": Rejected("missing required column(s): is_out_of_area"),
    "utf16.csv": Loaded(("F1", "F2")),
    "utf16_big_endian.csv": Loaded(("F1", "F2")),
    "tab_separated.csv": Loaded(("F1", "F2")),
    "semicolon_separated.csv": Loaded(("F1", "F2")),
    "dos_eof_byte.csv": Loaded(("F1", "F2")),
    "crlf_dos_eof_byte.csv": Loaded(("F1", "F2")),
    "mixed_line_ends.csv": Loaded(("F1", "F2")),
    "utf16_without_bom.csv": Rejected("not a CSV text file: NUL bytes between the characters, as in UTF-16 text "
                                      "without a byte-order mark"),
    "utf32.csv": Rejected("UTF-32 text (byte-order mark): save it as UTF-8 or GB18030"),
    "windows_1252.csv": Rejected("unknown encoding: neither UTF-8 nor GB18030 (line 3 has the byte 0xFC"),
    "zip_archive.csv": Rejected("not a CSV text file: a ZIP archive (an .xlsx workbook is one)"),
    "no_header.csv": Rejected("missing required column(s): settlement_id, reversal_of, person_id"),
}

# Values the normalising cases must load as.
NORMALISED = {
    "fullwidth_digits.csv": ("select total_cost::text, settlement_date::text from raw.settlement "
                             "where settlement_id = 'F2'", ("100.00", "2024-02-11")),
    "date_slashes.csv": ("select settlement_date::text from raw.settlement where settlement_id = 'F2'", ("2024-02-05",)),
    "date_compact.csv": ("select settlement_date::text from raw.settlement where settlement_id = 'F2'", ("2024-02-05",)),
    "thousands_separator.csv": ("select total_cost::text, pooled_fund_paid::text from raw.settlement "
                                "where settlement_id = 'F2'", ("1100.00", "1070.00")),
    "semicolon_separated.csv": ("select total_cost::text, pooled_fund_paid::text from raw.settlement "
                                "where settlement_id = 'F2'", ("1100.00", "1070.00")),
    "gb18030.csv": ("select doctor_code from raw.settlement where settlement_id = 'F1'", ("醫師甲",)),
    "quoted_comma_newline.csv": ("select doctor_code from raw.settlement where settlement_id = 'F2'",
                                 ("D01, ward 3\nbed 12",)),
    "spaces_around_values.csv": ("select institution_code, total_cost::text from raw.settlement "
                                 "where settlement_id = 'F2'", ("H001", "100.00")),
}


def deliver(db, root: Path, name: str, content: bytes):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return load_file(db, SOURCES["settlement"], path, root, name[len("settlement/"):-len(".csv")])


def state(db, month: str) -> list[tuple]:
    return db.execute(
        "select settlement_id, total_cost, _line_number from raw.settlement where _month = %s order by 1",
        [month],
    ).fetchall()


def test_the_corpus_has_a_case_for_every_file():
    assert sorted(CASES) == sorted(p.name for p in CORPUS.iterdir())
    assert len(CASES) >= 25


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_file(db, tmp_path, name):
    write_reference(tmp_path)
    landing = discover(tmp_path)
    for source, path in landing.reference.items():
        load_file(db, SOURCES[source], path, landing.root)
    january = write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement",
                        [settlement("J1"), settlement("J2")])
    load_file(db, SOURCES["settlement"], january, tmp_path, "2024-01")
    good = write_csv(tmp_path / "good.csv", "settlement", [settlement("G1", settlement_date="2024-02-01")])
    deliver(db, tmp_path, FEBRUARY, good.read_bytes())
    before = state(db, "2024-01-01"), state(db, "2024-02-01")

    load = deliver(db, tmp_path, FEBRUARY, (CORPUS / name).read_bytes())

    expected = CASES[name]
    assert state(db, "2024-01-01") == before[0], "January must stay untouched"
    if isinstance(expected, Rejected):
        assert (load.status, load.message[:len(expected.message)]) == ("rejected", expected.message)
        assert state(db, "2024-02-01") == before[1], "a rejected file keeps the February before it"
        return
    assert load.status == "loaded"
    assert tuple(row[0] for row in state(db, "2024-02-01")) == expected.ids
    assert db.execute("select line_number, reason from quarantine.settlement order by 1").fetchall() == list(
        expected.quarantined)
    assert load.rows_read == load.rows_loaded + load.rows_quarantined == len(expected.ids) + len(expected.quarantined)
    if name in NORMALISED:
        sql, values = NORMALISED[name]
        assert db.execute(sql).fetchone() == values


def test_a_rejection_quotes_no_row_of_the_file(db, tmp_path):
    """A first line of data is no header: the message says so, without the person number in it."""
    load = deliver(db, tmp_path, FEBRUARY, (CORPUS / "no_header.csv").read_bytes())
    assert load.status == "rejected" and "does not look like a header" in load.message
    assert "450802199001011234" not in load.message and "F1" not in load.message


def test_quarantine_keeps_the_raw_line_as_written(db, tmp_path):
    write_reference(tmp_path)
    landing = discover(tmp_path)
    for source, path in landing.reference.items():
        load_file(db, SOURCES[source], path, landing.root)
    content = (CORPUS / "unknown_institution.csv").read_bytes()
    deliver(db, tmp_path, FEBRUARY, content)
    third_line = content.decode().split("\n")[2]
    assert db.execute("select raw_line from quarantine.settlement").fetchone() == (third_line,)


def test_a_misnamed_monthly_file_is_misplaced(tmp_path):
    write_reference(tmp_path)
    (tmp_path / "settlement").mkdir()
    shutil.copy(CORPUS / "crlf.csv", tmp_path / "settlement" / "2024-2.csv")
    landing = discover(tmp_path)
    assert landing.monthly["settlement"] == {}
    assert [(s, p.name, why) for s, p, why in landing.misplaced] == [
        ("settlement", "2024-2.csv", "not a monthly file named YYYY-MM.csv")]
