"""Property: random corruption of a valid file never loses or invents a row, and never changes
how the untouched rows load.

Hypothesis corrupts random lines of a valid settlement file (characters deleted, inserted or
replaced, lines truncated; the settlement_id field is left alone so that lines stay
distinguishable, and quotes and newlines are left to the corpus tests, since they legitimately
merge lines into one CSV record). Loading the corrupted file must read every line, load or
quarantine each exactly once, quarantine no untouched line, and load every untouched line
exactly as the clean file loads it — so any mart, a deterministic function of the loaded rows,
is unchanged on the untouched rows.
"""

from __future__ import annotations

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.loading import discover, load_file
from orchestration.raw_schema import ensure_schemas
from orchestration.sources import SOURCES
from tests.conftest import create_database, drop_database
from tests.landing_files import settlement, write_csv, write_reference

ROWS = 12
INSERTABLE = list(",.-/0123456789９x ") + ["醫"]
ROW_COLUMNS = "settlement_id, reversal_of, person_id, institution_code, scheme, visit_type, total_cost, " \
              "pooled_fund_paid, cash_paid, settlement_date, doctor_code"


def clean_rows() -> list[dict]:
    return [settlement(f"S{i:03d}", person_id=f"P{i}", settlement_date=f"2024-01-{i + 1:02d}",
                       total_cost="100.00", doctor_code=f"D{i}") for i in range(ROWS)]


def clean_lines() -> list[str]:
    columns = SOURCES["settlement"].column_names
    return [",".join(row[c] for c in columns) for row in clean_rows()]


@st.composite
def corruptions(draw):
    """{line index: corrupted text} for a few of the file's data lines."""
    lines = clean_lines()
    chosen = draw(st.sets(st.integers(0, ROWS - 1), min_size=1, max_size=4))
    corrupted = {}
    for index in sorted(chosen):
        line = lines[index]
        start = line.index(",") + 1  # keep settlement_id intact
        position = draw(st.integers(start, len(line)))
        action = draw(st.sampled_from(["delete", "insert", "replace", "truncate"]))
        char = draw(st.sampled_from(INSERTABLE))
        if action == "delete":
            new = line[:position] + line[position + 1:]
        elif action == "insert":
            new = line[:position] + char + line[position:]
        elif action == "replace":
            new = line[:position] + char + line[position + 1:]
        else:
            new = line[:position]
        if new != line:
            corrupted[index] = new
    return corrupted


@pytest.fixture(scope="module")
def landing(server_url, tmp_path_factory):
    """A database with the references and the clean January loaded; yields (conn, root, clean rows)."""
    url = create_database(server_url)
    root = tmp_path_factory.mktemp("property")
    write_reference(root)
    january = write_csv(root / "settlement" / "2024-01.csv", "settlement", clean_rows())
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_schemas(conn)
        found = discover(root)
        for name, path in found.reference.items():
            load_file(conn, SOURCES[name], path, found.root)
        load_file(conn, SOURCES["settlement"], january, root, "2024-01")
        clean = {row[0]: row for row in conn.execute(f"select {ROW_COLUMNS} from raw.settlement")}
        yield conn, january, clean
    drop_database(server_url, url)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corrupted=corruptions())
def test_corruption_never_loses_invents_or_disturbs_rows(landing, corrupted):
    conn, january, clean = landing
    delivered = [corrupted.get(i, line) for i, line in enumerate(clean_lines())]
    january.write_text("\n".join([",".join(SOURCES["settlement"].column_names), *delivered]) + "\n")

    # The same corruption drawn twice is "unchanged": the audit then holds its earlier load.
    load_file(conn, SOURCES["settlement"], january, january.parent.parent, "2024-01")

    read, loaded_rows, quarantined_rows = conn.execute(
        """select rows_read, rows_loaded, rows_quarantined from audit.file_loads
           where source = 'settlement' and status = 'loaded' order by load_id desc limit 1""").fetchone()
    assert read == loaded_rows + quarantined_rows == ROWS
    quarantined = {n for (n,) in conn.execute("select line_number from quarantine.settlement where _month = '2024-01-01'")}
    assert quarantined <= {i + 2 for i in corrupted}, "an untouched line was quarantined"
    loaded = {row[0]: row for row in conn.execute(f"select {ROW_COLUMNS} from raw.settlement")}
    untouched = {f"S{i:03d}" for i in range(ROWS) if i not in corrupted}
    assert {key: loaded.get(key) for key in untouched} == {key: clean[key] for key in untouched}
