"""Data-quality checks (orchestration/quality/, expectations/gx/) against a real PostgreSQL.

The suites run on the files loaded and not yet passed; a failing ERROR expectation (file and
aggregate integrity) fails the check step naming the file and the rule, and the dbt models of
the run do not run. (tests/test_rule_catalogue.py: every rule is in the suites and finds its row.)
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import dagster as dg

from orchestration.loading import discover, load_file
from orchestration.quality.batches import Load, ensure_tables, fill_batch
from orchestration.quality.gx_context import EXPECTATIONS_DIR, sqlalchemy_url
from orchestration.quality.suites import all_suites
from orchestration.rules import WARNING, row_rules
from orchestration.sources import ALL_SOURCES, SOURCES
from orchestration.warehouse import table_exists
from tests.landing_files import enrollment, settlement, write_csv, write_reference
from tests.marts_landing import write_marts_landing

RAW_GAP = "raw does not hold exactly the rows loaded"
FUNDS = "not one opening balance for each of critical_illness, employee_pooled, resident_basic"


def load(conn, root: Path) -> None:
    landing = discover(root)
    for name, path in landing.reference.items():
        load_file(conn, SOURCES[name], path, landing.root)
    for name, files in landing.monthly.items():
        for month, path in sorted(files.items()):
            load_file(conn, SOURCES[name], path, landing.root, month)


def outcome(report, source: str, check: str):
    return next(o for o in report.outcomes if (o.source, o.check_name) == (source, check))


def test_the_committed_context_matches_suites_py():
    gx = EXPECTATIONS_DIR / "gx"
    suites = all_suites()
    assert {*(s.name for s in ALL_SOURCES if row_rules(s.name, WARNING)), "file_loads", "fct_settlements"} == set(suites)
    config = (gx / "great_expectations.yml").read_text()
    assert "connection_string: ${YIBAO_GX_WAREHOUSE_URL}" in config
    assert sorted(p.stem for p in (gx / "expectations").glob("*.json")) == sorted(suites)
    for name, suite in suites.items():
        descriptions = [e["description"] for e in suite.expectations]
        assert len(set(descriptions)) == len(descriptions), f"{name}: descriptions name the expectations"
        committed = json.loads((gx / "expectations" / f"{name}.json").read_text())
        assert [(e["type"], e["kwargs"], e["description"], e["severity"], e.get("meta", {}))
                for e in committed["expectations"]] == \
               [(e["type"], e["kwargs"], e["description"], e["severity"], e["meta"]) for e in suite.expectations], \
            f"expectations/gx is stale for {name}: run python -m orchestration.quality.build_context"
        definition = json.loads((gx / "validation_definitions" / f"{name}.json").read_text())
        assert definition["suite"]["name"] == definition["data"]["asset"]["name"] == name
        assert f"        table_name: {name}\n" in config


def test_the_gx_url_works_for_urls_and_unix_socket_conninfo():
    assert sqlalchemy_url("host='/tmp/pg data' dbname=test_1 user=postgres") == \
        "postgresql+psycopg2://postgres@/test_1?host=%2Ftmp%2Fpg%20data&port=5432"
    assert sqlalchemy_url("postgresql://yibao:p%40ss@db.example:5433/yibao") == \
        "postgresql+psycopg2://yibao:p%40ss@/yibao?host=db.example&port=5433"


def test_id_card_numbers_are_checked_with_the_gb_11643_check_digit(db, tmp_path):
    """The loader quarantines a number without a valid check character; the suite warns when
    a valid one does not encode the person's gender."""
    cases = {  # id_card_no, gender → valid, matches gender
        "11010519491231002X": ("F", True, True),  # GB 11643's example: check character X
        "110105194912310021": ("F", False, True),  # wrong check digit
        "11010519491231002x": ("F", False, True),  # lower-case x
        "1101051949123100": ("F", False, True),  # too short
        "440524188001010014": ("M", True, True),
        "4405241880010100140": ("M", False, True),  # 19 characters
        "44052418800101001A": ("M", False, True),
        "4405241880010X0014": ("M", False, True),  # X only as the check character
        "4405241880010100é": ("F", False, True),  # 18 bytes, but 17 characters
        "440524188001010022": ("F", True, True),
        "440524188001010030": ("F", True, False),  # odd sequence number: a man's
    }
    write_reference(tmp_path)
    rows = [enrollment(f"P{i}", id_card_no=number, gender=gender, birth_date="1880-01-01", start_date="1990-01-01")
            for i, (number, (gender, _, _)) in enumerate(cases.items())]
    write_csv(tmp_path / "enrollment" / "2024-01.csv", "enrollment", rows)
    load(db, tmp_path)
    quarantined = {line for (line,) in db.execute("""select line_number from quarantine.enrollment
                                                     where reason like 'id_card_no is not 18 characters%'""")}
    assert {number: line not in quarantined for line, number in enumerate(cases, start=2)} == \
           {number: valid for number, (_, valid, _) in cases.items()}
    ensure_tables(db)
    load_id = db.execute("select load_id from audit.file_loads where source = 'enrollment'").fetchone()[0]
    fill_batch(db, all_suites()["enrollment"], [Load(load_id, "enrollment", "enrollment/2024-01.csv", date(2024, 1, 1))])
    rows = db.execute("select _line_number, id_card_matches_gender is not null from quality.enrollment").fetchall()
    assert {list(cases)[line - 2]: matches for line, matches in rows} == \
           {number: matches for number, (_, valid, matches) in cases.items() if valid}


def test_files_are_checked_until_they_pass(db, tmp_path):
    from orchestration.quality.checks import raw_checks, run_to_end

    write_reference(tmp_path)
    write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [settlement("S1"), settlement("S2")])
    february = tmp_path / "settlement" / "2024-02.csv"
    write_csv(february, "settlement", [settlement(f"S{i}", settlement_date="2024-02-01") for i in range(3, 6)])
    load(db, tmp_path)
    db.execute("delete from raw.settlement where settlement_id in ('S4', 'S5')")  # raw loses rows of a load
    sources = ["counties", "institutions", "settlement"]

    yielded = []  # each outcome is yielded once, as soon as its suites are validated
    first = run_to_end(raw_checks(sources, "run-1"), yielded.append)
    assert sorted(map(id, yielded)) == sorted(map(id, first.outcomes)) and len(yielded) == 2 * len(sources)
    failed = outcome(first, "settlement", "reconciliation")
    assert failed.files == ["settlement/2024-01.csv", "settlement/2024-02.csv"]
    assert [(f.load.file, f.expectation, f.unexpected_count) for f in failed.failures] == \
           [("settlement/2024-02.csv", RAW_GAP, None)]
    assert failed.describe() == f"settlement/2024-02.csv: {RAW_GAP}"
    assert outcome(first, "settlement", "warnings").passed
    assert outcome(first, "counties", "reconciliation").passed
    assert first.data_docs.is_file()

    again = run_to_end(raw_checks(sources, "run-2"))  # same data: February is still pending, and still fails
    assert outcome(again, "settlement", "reconciliation").files == ["settlement/2024-02.csv"]
    assert not outcome(again, "settlement", "reconciliation").passed

    write_csv(february, "settlement", [settlement("S3", settlement_date="2024-02-01")])  # re-delivered
    load(db, tmp_path)
    fixed = run_to_end(raw_checks(sources, "run-3"))
    assert outcome(fixed, "settlement", "reconciliation").files == ["settlement/2024-02.csv"]
    assert all(o.passed for o in fixed.outcomes)
    assert all(not o.files for o in run_to_end(raw_checks(sources, "run-4")).outcomes)

    recorded = db.execute("""select run_id, file, count(*) filter (where not passed), count(*)
                             from audit.quality_checks where suite = 'file_loads' and source = 'settlement'
                             group by 1, 2 order by 1, 2""")
    assert [row[:3] for row in recorded] == [("run-1", "settlement/2024-01.csv", 0),
                                            ("run-1", "settlement/2024-02.csv", 1),
                                            ("run-2", "settlement/2024-02.csv", 1),
                                            ("run-3", "settlement/2024-02.csv", 0)]
    details = db.execute("""select details from audit.quality_checks
                            where run_id = 'run-1' and expectation = %s and not passed""", [RAW_GAP]).fetchone()[0]
    assert details is None


def test_only_the_latest_check_steps_keep_their_results_and_pages(db, tmp_path, monkeypatch):
    """GX's validation results and Data Docs pages of older check steps are dropped;
    audit.quality_checks keeps every outcome."""
    from orchestration.quality import checks
    from orchestration.quality.gx_context import data_docs_dir, data_docs_index, get_context

    monkeypatch.setattr(checks, "RETAINED_CHECK_STEPS", 2)
    write_reference(tmp_path)
    # a failing file stays pending: every run validates it again
    write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [settlement("S1"), settlement("S2")])
    load(db, tmp_path)
    db.execute("delete from raw.settlement where settlement_id = 'S2'")
    for run in ("first", "second", "third"):
        checks.run_to_end(checks.raw_checks(["counties", "settlement"], run))

    kept = {key.run_id.run_name for key in get_context().validation_results_store.list_keys()}
    assert kept == {"second-raw", "third-raw"}
    pages = data_docs_dir() / "validations"
    assert sorted(p.name for p in (pages / "settlement").iterdir()) == ["second-raw", "third-raw"]
    assert sorted(p.name for p in (pages / "file_loads").iterdir()) == ["second-raw", "third-raw"]
    index = data_docs_index().read_text(encoding="utf-8")
    assert "third-raw" in index and "first-raw" not in index
    recorded = db.execute("select distinct run_id from audit.quality_checks order by 1").fetchall()
    assert recorded == [("first",), ("second",), ("third",)]


def test_volume_and_quarantine_share_are_warnings(db, tmp_path):
    from orchestration.quality.checks import raw_checks, run_to_end

    write_reference(tmp_path)
    # January, the first month, is no baseline: February's 120 rows against its 400 are not flagged
    for month, count in (("2024-01", 400), ("2024-02", 120), ("2024-03", 120)):
        rows = [settlement(f"S{month}-{i}", settlement_date=f"{month}-10") for i in range(count)]
        write_csv(tmp_path / "settlement" / f"{month}.csv", "settlement", rows)
    april = [settlement(f"A{i}", settlement_date="2024-04-10") for i in range(40)]
    april += [settlement(f"Q{i}", settlement_date="2024-04-10", scheme="unknown") for i in range(3)]
    write_csv(tmp_path / "settlement" / "2024-04.csv", "settlement", april)
    load(db, tmp_path)

    report = run_to_end(raw_checks(["counties", "institutions", "settlement"], "run-1"))
    warnings = outcome(report, "settlement", "warnings")
    assert not warnings.blocking
    assert sorted((f.load.file, f.expectation.split(" ")[0]) for f in warnings.failures) == \
           [("settlement/2024-04.csv", "more"), ("settlement/2024-04.csv", "rows")]
    assert outcome(report, "settlement", "reconciliation").passed
    assert outcome(report, "settlement", "reconciliation").passed  # 43 read = 40 loaded + 3 quarantined


def test_a_reversal_of_a_settlement_delivered_again_without_it_is_a_warning(db, tmp_path):
    from orchestration.quality.checks import raw_checks, run_to_end

    def reversal(settlement_id: str, reversed_id: str, settlement_date: str) -> dict:
        row = settlement(reversed_id, settlement_date=settlement_date)
        negated = {k: f"-{v}" for k, v in row.items() if k.endswith(("_cost", "_paid")) and v != "0"}
        return {**row, **negated, "settlement_id": settlement_id, "reversal_of": reversed_id}

    write_reference(tmp_path)
    january = tmp_path / "settlement" / "2024-01.csv"
    write_csv(january, "settlement", [settlement("S1"), settlement("S2")])
    write_csv(tmp_path / "settlement" / "2024-02.csv", "settlement",
              [settlement("S3", settlement_date="2024-02-01"), reversal("R1", "S1", "2024-02-02"),
               reversal("R2", "S2", "2024-02-03")])
    load(db, tmp_path)
    write_csv(january, "settlement", [settlement("S2")])  # re-delivered without S1
    load(db, tmp_path)

    report = run_to_end(raw_checks(["counties", "institutions", "settlement"], "run-1"))
    assert outcome(report, "settlement", "warnings").describe() == \
           "settlement/2024-02.csv: reversal_of names no loaded settlement_id (1 row: line 3)"
    assert outcome(report, "settlement", "reconciliation").passed


def test_the_settlement_fact_is_reconciled_with_raw_per_month(db, tmp_path):
    from orchestration.quality.checks import fct_settlements_checks, run_to_end

    write_reference(tmp_path)
    write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [settlement("S1"), settlement("S2")])
    write_csv(tmp_path / "settlement" / "2024-02.csv", "settlement", [settlement("S3", settlement_date="2024-02-01")])
    load(db, tmp_path)
    db.execute("create schema if not exists marts")  # a provisioned warehouse has it (the readers' grants)
    db.execute("""create table marts.fct_settlements as
                  select _month as settlement_month, total_cost, pooled_fund_paid, critical_illness_paid,
                         assistance_paid, account_paid, cash_paid
                  from raw.settlement where settlement_id <> 'S2'""")  # January lacks a settlement

    report = run_to_end(fct_settlements_checks("run-1"))
    failures = report.outcomes[0].failures
    assert report.outcomes[0].files == ["settlement/2024-01.csv", "settlement/2024-02.csv"]
    assert {(f.load.file, f.expectation) for f in failures} == {
        ("settlement/2024-01.csv", "the fact has as many settlements as raw"),
        ("settlement/2024-01.csv", "Σ total_cost in the fact equals Σ total_cost in raw"),
        ("settlement/2024-01.csv", "Σ pooled_fund_paid in the fact equals Σ pooled_fund_paid in raw"),
        ("settlement/2024-01.csv", "Σ account_paid in the fact equals Σ account_paid in raw"),
        ("settlement/2024-01.csv", "Σ cash_paid in the fact equals Σ cash_paid in raw")}


def test_the_checks_are_wired_to_the_raw_assets_and_the_settlement_fact(isolated_home):
    from orchestration.pipeline import prepare_dagster

    prepare_dagster()
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    for source in ALL_SOURCES:
        for name in ("reconciliation", "warnings"):
            spec = graph.get_check_spec(dg.AssetCheckKey(dg.AssetKey(["raw", source.name]), name))
            assert spec.blocking == (source.monthly and name != "warnings")
    assert graph.get_check_spec(dg.AssetCheckKey(dg.AssetKey(["marts", "fct_settlements"]), "reconciled_with_raw")).blocking
    job = defs.resolve_job_def("load_and_build")

    def upstream(node: str) -> set[str]:
        inputs = job.graph.dependency_structure.input_to_upstream_outputs_for_node(node)
        return {output.node_name for outputs in inputs.values() for output in outputs}

    # one check step for the sources that read reference files only; case_review, which looks up
    # settlements, loads after their checks and is checked in a step of its own; dbt waits for both
    assert {"raw__settlement", "raw_data_quality"} <= upstream("raw__case_review")
    assert upstream("raw_data_quality_case_review") == {"raw__case_review"}
    assert {"raw_data_quality", "raw_data_quality_case_review"} <= upstream("dbt_models")
    assert [node.name for node in job.graph.nodes if node.name.startswith("dbt_models")] == ["dbt_models"]


def test_a_failing_check_stops_dbt_naming_the_file_and_the_rule(warehouse_url, pipeline, tmp_path):
    """An aggregate of a file, not a row: the opening balances lack a fund."""
    from orchestration.warehouse import connect, yibao_home

    root = write_marts_landing(tmp_path / "landing")
    balances = root / "reference" / "fund_opening_balance.csv"
    write_csv(balances, "fund_opening_balance", list(csv.DictReader(balances.open(encoding="utf-8")))[:2])

    result = pipeline(warehouse_url, root)

    assert not result.success and result.marts == []
    message = "\n".join(result.errors)
    assert "raw_data_quality: data-quality check failed" in message
    assert f"reference/fund_opening_balance.csv: {FUNDS}" in message
    with connect() as conn:
        assert not table_exists(conn, "marts.fct_settlements")
        failed = conn.execute("""select file, expectation from audit.quality_checks
                                 where not passed and severity = 'ERROR' order by expectation""").fetchall()
    assert failed == [("reference/fund_opening_balance.csv", FUNDS)]
    assert (yibao_home() / "data_docs" / "index.html").is_file()
