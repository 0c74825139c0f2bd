"""One bad row or one bad file never stops the marts (issue 20, item 7), through `run_pipeline`.

A row that breaks a rule is quarantined and the rest of its file loads; a rejected file keeps
its earlier delivery, the run builds the marts on what is loaded, exits failed naming the file
and says which months are served from an earlier delivery.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import psycopg
import pytest

from orchestration.generator import generate
from tests.conftest import create_database, drop_database
from tests.landing_files import write_csv
from tests.mart_snapshot import snapshot

ID_REASON = "id_card_no is not 18 characters with a valid GB 11643 check digit"


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames), list(reader)


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """Four generated months; one enrollment of the first has an ID number with a wrong check digit."""
    root = tmp_path_factory.mktemp("deliveries") / "landing"
    generate(root, start="2024-01", months=4, persons=600)
    path = root / "enrollment" / "2024-01.csv"
    header, rows = _rows(path)
    number = rows[4]["id_card_no"]
    rows[4]["id_card_no"] = number[:17] + ("0" if number[17] != "0" else "1")
    write_csv(path, "enrollment", rows, columns=header)
    return root


@pytest.fixture(scope="module")
def warehouses(server_url):
    """New databases on the test server, dropped after the module."""
    urls = []

    def new() -> str:
        urls.append(create_database(server_url))
        return urls[-1]

    yield new
    for url in urls:
        drop_database(server_url, url)


@pytest.fixture(scope="module")
def first_run(landing, warehouses, pipeline, tmp_path_factory):
    """The warehouse after a run on the landing directory, and the run's outcome."""
    copy = tmp_path_factory.mktemp("first") / "landing"
    shutil.copytree(landing, copy)
    url = warehouses()
    return url, copy, pipeline(url, copy)


def test_a_row_with_a_bad_id_number_is_quarantined_and_the_marts_are_built(first_run):
    url, root, outcome = first_run
    assert outcome.success, outcome.errors
    assert "marts/fund_balance_monthly" in outcome.marts and "marts/fct_settlements" in outcome.marts
    header, rows = _rows(root / "enrollment" / "2024-01.csv")
    with psycopg.connect(url) as conn:
        assert conn.execute("select file, line_number, reason from quarantine.enrollment").fetchall() == [
            ("enrollment/2024-01.csv", 6, ID_REASON)]
        assert conn.execute("select count(*) from raw.enrollment where _month = '2024-01-01'").fetchone()[0] == \
            len(rows) - 1
        assert conn.execute("select count(*) from marts.fct_settlements").fetchone()[0] > 0


def test_a_corrupt_redelivery_beside_a_correction_builds_the_marts_on_the_effective_data(
        first_run, landing, warehouses, pipeline, tmp_path):
    """February's settlements come again as a ZIP archive and April's enrollments without a
    column, beside a correction of March's settlements: the marts equal those of a warehouse
    built from the effective files (February and April as delivered before, March corrected)."""
    url, root, _ = first_run
    (root / "settlement" / "2024-02.csv").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 64)
    header, rows = _rows(root / "enrollment" / "2024-04.csv")
    write_csv(root / "enrollment" / "2024-04.csv", "enrollment", rows, columns=header[1:])
    header, rows = _rows(root / "settlement" / "2024-03.csv")
    referenced = {r["reversal_of"] for r in rows}
    corrected = [r for i, r in enumerate(rows) if i % 7 or r["settlement_id"] in referenced or r["reversal_of"]]
    write_csv(root / "settlement" / "2024-03.csv", "settlement", corrected, columns=header)

    outcome = pipeline(url, root)

    assert not outcome.success
    assert "marts/fund_balance_monthly" in outcome.marts
    assert outcome.errors[0].startswith("enrollment/2024-04.csv rejected: missing required column(s): person_id")
    assert outcome.errors[1] == \
        "settlement/2024-02.csv rejected: not a CSV text file: a ZIP archive (an .xlsx workbook is one)"
    assert [(file, loaded is not None) for file, loaded in outcome.served_earlier] == [
        ("enrollment/2024-04.csv", True), ("settlement/2024-02.csv", True)]
    report = outcome.report()
    assert "Served from an earlier delivery (the file was rejected this run):" in report
    assert "settlement/2024-02.csv" in report.split("Served from an earlier delivery")[1]

    effective = tmp_path / "effective"
    shutil.copytree(landing, effective)
    shutil.copy(root / "settlement" / "2024-03.csv", effective / "settlement" / "2024-03.csv")
    rebuilt = warehouses()
    assert pipeline(rebuilt, effective).success
    with psycopg.connect(url) as conn, psycopg.connect(rebuilt) as other:
        built, expected = snapshot(conn, other_warehouse=True), snapshot(other, other_warehouse=True)
        assert conn.execute("select count(*) from raw.settlement where _month = '2024-03-01'").fetchone()[0] == \
            len(corrected) < len(rows)
    assert built.keys() == expected.keys() and len(built) > 10
    for table in built:
        assert built[table] == expected[table], table
