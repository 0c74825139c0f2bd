"""`yibao generate` then `yibao run`, end to end through the installed command.

The session's demo warehouse (tests/conftest.py) is that run; the tests that run again work on
a copy of it.
"""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import psycopg


def expenditure_from_files(landing: Path) -> dict[tuple[str, str], Decimal]:
    """Each fund's monthly expenditure, summed straight from the landing CSVs (contract §3)."""
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for path in sorted((landing / "settlement").glob("*.csv")):
        month = path.stem
        with path.open(encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                fund = "employee_pooled" if row["scheme"] == "employee" else "resident_basic"
                totals[month, fund] += Decimal(row["pooled_fund_paid"])
                totals[month, "critical_illness"] += Decimal(row["critical_illness_paid"])
    for path in sorted((landing / "fund_flows").glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                if row["direction"] == "expense":
                    totals[row["month"], row["fund_code"]] += Decimal(row["amount"])
    return totals


def test_run_builds_the_marts_and_matches_the_landing_files(demo_warehouse, demo_landing):
    url, result = demo_warehouse
    built = next(line for line in result.stdout.splitlines() if line.startswith("Marts built:"))
    for mart in ("fund_balance_monthly", "fund_payable_months", "institution_ranking_half_year",
                 "institution_overspend", "suspicious_settlements"):
        assert f"marts/{mart}" in built, built
    assert "Latest payable months:" in result.stdout

    with psycopg.connect(url) as conn:
        marts = conn.execute(
            "select to_char(month, 'YYYY-MM'), fund_code, expenditure from marts.fund_balance_monthly"
        ).fetchall()
        settlement_rows = conn.execute("select count(*) from marts.fct_settlements").fetchone()[0]
    assert {(m, f): e for m, f, e in marts} == expenditure_from_files(demo_landing)
    lines = sum(len(p.read_text().splitlines()) - 1 for p in (demo_landing / "settlement").glob("*.csv"))
    assert settlement_rows == lines


STATE = "select fund_code, month, closing_balance, status from marts.fund_payable_months order by 1, 2"


def test_a_rejected_file_fails_the_run_naming_it_and_keeps_earlier_data(demo_warehouse, demo_landing,
                                                                         cloned_warehouse, yibao, tmp_path):
    """The marts are built all the same, on the earlier delivery, and the summary says so; the
    other files, unchanged, are not loaded again, and the marts hold what they held. The
    landing is a copy of the one the warehouse was built from: files are known by their path
    within the landing directory and their content."""
    url = cloned_warehouse(demo_warehouse[0])
    copy = tmp_path / "landing"
    shutil.copytree(demo_landing, copy)
    with psycopg.connect(url) as conn:
        before = conn.execute("select count(*) from raw.settlement where _month = '2025-01-01'").fetchone()[0]
        state = conn.execute(STATE).fetchall()
    (copy / "settlement" / "2025-01.csv").write_text("settlement_id,person_id\nS1,P1\n")

    result = yibao("run", "--landing", str(copy))

    assert result.returncode == 1
    assert "settlement/2025-01.csv rejected: missing required column(s)" in result.stdout
    assert "Marts built: 0" not in result.stdout
    served = result.stdout.split("Served from an earlier delivery (the file was rejected this run):\n")[1]
    assert served.startswith("  settlement/2025-01.csv") and " loaded 20" in served.splitlines()[0]
    assert result.stdout.count(" rejected: ") == 1, result.stdout
    loads = result.stdout.split("Loaded this run:\n")[1].split("Marts built:")[0].splitlines()[1:]
    assert [line.split() for line in loads] == [["settlement", "0", "0", "0", "1"]]  # files and rows loaded, quarantined, rejected
    with psycopg.connect(url) as conn:
        after = conn.execute("select count(*) from raw.settlement where _month = '2025-01-01'").fetchone()[0]
        assert conn.execute(STATE).fetchall() == state
    assert after == before > 0


def test_missing_landing_directory_is_a_clear_error(tmp_path, yibao):
    result = yibao("run", "--landing", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "landing directory not found" in result.stderr
