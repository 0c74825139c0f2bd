"""An incremental build equals a full build.

A warehouse is built from a generated landing directory without its last month; then the last
month arrives (with a reversal of a stay settled two months earlier, which takes that stay out
of the effective settlements of an old month, and enrollments that start or end, whose persons'
spells alone are recomputed, among them an old spell delivered again with another category,
which takes the person's earlier fund payments with it), an earlier settlement month is
re-delivered with fewer rows, and `yibao run` builds incrementally. Every mart and every
incremental intermediate table must then hold exactly what `yibao run --full-refresh` builds
from the same raw rows. The same holds after an enrollment month is re-delivered without the only
spell of a person paid by the fund (every person's spells recomputed; the person's payments leave
the attributed payments, as persons without a spell do).
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from orchestration.generator import generate
from orchestration.sources import SETTLEMENT_AMOUNTS
from tests.landing_files import write_csv
from tests.mart_snapshot import snapshot

MONTHLY = ("settlement", "fund_flows", "enrollment", "inspection")
INCREMENTAL_INTERMEDIATES = ("int_settlements_summed_by_institution_month", "int_settlement_reversals",
                             "int_settlements_screened", "int_fund_paid_by_person_month", "int_fund_paid_attributed",
                             "int_enrollment_spells")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("incremental") / "landing"
    generate(root, start="2024-01", months=5, persons=800)
    return root


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames), list(reader)


def _reversal(original: dict, settlement_date: str) -> dict:
    """A reversal (沖正) of `original` settled on `settlement_date`: every amount negated."""
    row = dict(original, settlement_id=original["settlement_id"] + "R", reversal_of=original["settlement_id"],
               settlement_date=settlement_date)
    for column in SETTLEMENT_AMOUNTS:
        if row.get(column):
            row[column] = str(-Decimal(row[column]))
    return row


def _snapshot(conn: psycopg.Connection) -> dict:
    return snapshot(conn, tuple(f"intermediate.{name}" for name in INCREMENTAL_INTERMEDIATES))


def test_an_incremental_build_equals_a_full_build(generated, warehouse_url, pipeline, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(generated, landing)
    months = sorted(p.stem for p in (landing / "settlement").glob("*.csv"))
    last, two_before, redelivered = months[-1], months[-3], months[1]
    held_back = tmp_path / "held_back"
    for source in MONTHLY:
        (held_back / source).mkdir(parents=True)
        shutil.move(landing / source / f"{last}.csv", held_back / source / f"{last}.csv")
    assert pipeline(warehouse_url, landing).success

    for source in MONTHLY:
        shutil.move(held_back / source / f"{last}.csv", landing / source / f"{last}.csv")
    referenced = {r["reversal_of"] for m in months for r in _rows(landing / "settlement" / f"{m}.csv")[1]}
    header, rows = _rows(landing / "settlement" / f"{two_before}.csv")
    stay = next(r for r in rows if r["visit_type"] == "inpatient" and not r["reversal_of"]
                and r["settlement_id"] not in referenced)
    header, rows = _rows(landing / "settlement" / f"{last}.csv")
    write_csv(landing / "settlement" / f"{last}.csv", "settlement", [*rows, _reversal(stay, f"{last}-15")], columns=header)
    header, rows = _rows(landing / "settlement" / f"{redelivered}.csv")
    kept = [r for i, r in enumerate(rows) if i % 10 or r["settlement_id"] in referenced]
    write_csv(landing / "settlement" / f"{redelivered}.csv", "settlement", kept, columns=header)
    moved = _spell_in_another_category(landing, months[0], last)

    _assert_incremental_build_equals_full_build(pipeline, landing, warehouse_url)
    with psycopg.connect(warehouse_url) as conn:
        assert conn.execute("""select distinct category from intermediate.int_fund_paid_attributed
                               where person_key in (select fct.person_key from marts.fct_settlements fct
                                                    join raw.settlement using (settlement_id)
                                                    where raw.settlement.person_id = %s)""",
                            [moved["person_id"]]).fetchall() == [(moved["category"],)]
        assert conn.execute("select count(*) from intermediate.int_settlement_reversals where reversal_of = %s",
                            [stay["settlement_id"]]).fetchone()[0] == 1
        assert conn.execute("select count(*) from intermediate.int_stays_effective where settlement_id = %s",
                            [stay["settlement_id"]]).fetchone()[0] == 0
        assert conn.execute("select count(*) from marts.fct_settlements where settlement_month = %s",
                            [f"{redelivered}-01"]).fetchone()[0] == len(kept)

    withdrawn = _only_spell_of_a_paid_person(landing, months, redelivered)
    header, rows = _rows(landing / "enrollment" / f"{redelivered}.csv")
    write_csv(landing / "enrollment" / f"{redelivered}.csv", "enrollment", [r for r in rows if r != withdrawn],
              columns=header)
    _assert_incremental_build_equals_full_build(pipeline, landing, warehouse_url)
    with psycopg.connect(warehouse_url) as conn:
        assert conn.execute("""select count(*) from intermediate.int_fund_paid_attributed
                               where person_key in (select fct.person_key from marts.fct_settlements fct
                                                    join raw.settlement using (settlement_id)
                                                    where raw.settlement.person_id = %s)""",
                            [withdrawn["person_id"]]).fetchone()[0] == 0


def _only_spell_of_a_paid_person(landing: Path, months: list[str], month: str) -> dict:
    """A row of `month`'s enrollment file that is the only one of its person in every month, a
    person with fund payments."""
    rows = Counter(r["person_id"] for m in months for r in _rows(landing / "enrollment" / f"{m}.csv")[1])
    paid = {r["person_id"] for m in months for r in _rows(landing / "settlement" / f"{m}.csv")[1]
            if Decimal(r["pooled_fund_paid"]) > 0}
    return next(r for r in _rows(landing / "enrollment" / f"{month}.csv")[1]
                if rows[r["person_id"]] == 1 and r["person_id"] in paid)


def _spell_in_another_category(landing: Path, first: str, last: str) -> dict:
    """Deliver again, in the `last` month's file, the spell of a person paid by the fund in the
    `first` month with another category: every month of the person moves with it."""
    paid = {r["person_id"] for r in _rows(landing / "settlement" / f"{first}.csv")[1]
            if Decimal(r["pooled_fund_paid"]) > 0}
    header, rows = _rows(landing / "enrollment" / f"{last}.csv")
    in_last = {r["person_id"] for r in rows}
    spell = next(r for r in _rows(landing / "enrollment" / f"{first}.csv")[1]
                 if r["person_id"] in paid and r["person_id"] not in in_last and not r["end_date"])
    moved = dict(spell, category="low_income" if spell["category"] != "low_income" else "ordinary")
    write_csv(landing / "enrollment" / f"{last}.csv", "enrollment", [*rows, moved], columns=header)
    return moved


def _assert_incremental_build_equals_full_build(pipeline, landing: Path, warehouse_url: str) -> None:
    incremental = pipeline(warehouse_url, landing)
    assert incremental.success, incremental.errors
    with psycopg.connect(warehouse_url) as conn:
        built = _snapshot(conn)
    full = pipeline(warehouse_url, landing, full_refresh=True)
    assert full.success, full.errors
    with psycopg.connect(warehouse_url) as conn:
        rebuilt = _snapshot(conn)
    assert built.keys() == rebuilt.keys()
    for table in built:
        assert built[table] == rebuilt[table], table
