"""Data-quality checks (orchestration/quality/, expectations/gx/) against a real PostgreSQL.

The suites run on the files loaded and not yet passed; a failing ERROR expectation fails the
check step naming the file and the expectation, and the dbt models of the run do not run.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg

from orchestration.loading import discover, load_file
from orchestration.quality.batches import Load, ensure_tables, fill_batch
from orchestration.quality.gx_context import EXPECTATIONS_DIR, sqlalchemy_url
from orchestration.quality.suites import all_suites, source_rules
from orchestration.sources import ALL_SOURCES, SOURCES
from orchestration.warehouse import table_exists
from tests.landing_files import INSTITUTIONS, settlement, write_csv, write_reference
from tests.marts_landing import write_marts_landing

STAY = "an inpatient stay lasts at most 365 days"
COST = "total_cost is -10,000,000 to 10,000,000"


def long_stay(settlement_id: str, settlement_date: str, **overrides) -> dict:
    """An inpatient stay of 400 days: the loader accepts it, the settlement suite does not."""
    return settlement(settlement_id, **{"visit_type": "inpatient", "admission_date": "2022-12-01",
                                        "discharge_date": "2024-01-05", "settlement_date": settlement_date,
                                        **overrides})


def huge_cost(settlement_id: str, settlement_date: str, **overrides) -> dict:
    """A settlement of 20 million yuan whose parts and payments add up."""
    zero = dict.fromkeys(("exam_cost", "treatment_cost", "material_cost", "other_cost", "critical_illness_paid",
                          "assistance_paid", "account_paid", "cash_paid"), "0")
    amount = dict.fromkeys(("total_cost", "eligible_cost", "drug_cost", "pooled_fund_paid"), "20000000.00")
    return settlement(settlement_id, **{"settlement_date": settlement_date, **zero, **amount, **overrides})


def load(conn, root: Path) -> None:
    landing = discover(root)
    for name, path in landing.reference.items():
        load_file(conn, SOURCES[name], path, landing.root)
    for name, files in landing.monthly.items():
        for month, path in sorted(files.items()):
            load_file(conn, SOURCES[name], path, landing.root, month)


def outcome(report, source: str, check: str):
    return next(o for o in report.outcomes if (o.source, o.check_name) == (source, check))


def test_every_source_has_a_suite_and_the_committed_context_matches_suites_py():
    gx = EXPECTATIONS_DIR / "gx"
    suites = all_suites()
    assert set(suites) == {s.name for s in ALL_SOURCES} | {"file_loads", "fct_settlements"}
    config = (gx / "great_expectations.yml").read_text()
    assert "connection_string: ${YIBAO_GX_WAREHOUSE_URL}" in config
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


def test_great_expectations_is_imported_without_the_modules_no_suite_uses():
    """In a new process (this one has imported GX): the deferred modules are not imported with
    GX, and GX's expectation that uses them still reaches them."""
    script = """
import sys
from orchestration.quality.gx_context import DEFERRED_IMPORTS, import_great_expectations
import_great_expectations()
print(sorted(name for name in DEFERRED_IMPORTS if name in sys.modules))
from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl
print(round(kl.stats.entropy([0.25, 0.75], [0.5, 0.5]), 6), kl.alt.Chart.__name__)
print(sorted(name for name in DEFERRED_IMPORTS if name in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["[]", "0.130812 Chart", "['altair', 'scipy.stats']"]


def test_id_card_numbers_are_checked_with_the_gb_11643_check_digit(db):
    ensure_tables(db)
    cases = {  # id_card_no, gender → valid, matches gender
        "11010519491231002X": ("F", True, True),  # GB 11643's example: check character X
        "110105194912310021": ("F", False, True),  # wrong check digit
        "11010519491231002x": ("F", False, True),  # lower-case x
        "1101051949123100": ("F", False, True),  # too short
        "440524188001010014": ("M", True, True),
        "440524188001010014 ": ("M", False, True),  # 19 characters
        "44052418800101001A": ("M", False, True),
        "4405241880010X0014": ("M", False, True),  # X only as the check character
        "4405241880010100é": ("F", False, True),  # 18 bytes, but 17 characters
        "440524188001010022": ("F", True, True),
        "440524188001010030": ("F", True, False),  # odd sequence number: a man's
    }
    for line, (number, (gender, _, _)) in enumerate(cases.items(), start=2):
        db.execute("""insert into raw.enrollment (person_id, id_card_no, gender, birth_date, county_code, scheme,
                          category, start_date, personal_contribution, subsidy, _file, _line_number, _load_id, _month)
                      values (%s, %s, %s, '1949-12-31', '450802', 'resident', 'ordinary', '2024-01-01', 380, 0,
                              'enrollment/2024-01.csv', %s, 1, '2024-01-01')""", [f"P{line}", number, gender, line])
    fill_batch(db, all_suites()["enrollment"], [Load(1, "enrollment", "enrollment/2024-01.csv", date(2024, 1, 1))])
    rows = db.execute("""select id_card_no, id_card_valid is not null, id_card_matches_gender is not null
                         from quality.enrollment""").fetchall()
    assert {number: (valid, gender) for number, valid, gender in rows} == \
           {number: (valid, gender) for number, (_, valid, gender) in cases.items()}


def test_the_case_review_suite_checks_what_the_loader_checks(db, tmp_path):
    """Rows that reach raw.case_review around the loader (or whose settlement was re-delivered
    without them) break the suite's rules as the loader's rules would quarantine them."""
    ensure_tables(db)
    write_reference(tmp_path)
    write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [settlement("S1")])
    load(db, tmp_path)
    cases = {  # settlement_id, received, status, outcome, violating, refused → the rules broken
        1: ("S1", "2024-01-05", "2024-01-20", "confirmed", 80, 80, set()),
        2: ("S9", "2024-01-05", "2024-01-20", "pending", 0, 0, {"settlement_loaded"}),
        3: ("S1", "2024-01-21", "2024-01-20", "pending", 0, 0, {"status_date_not_before_received_date"}),
        4: ("S1", "2024-01-05", "2024-01-20", "cleared", 10, 0, {"amount_only_if_confirmed"}),
        5: ("S1", "2024-01-05", "2024-01-20", "confirmed", 10, 11, {"refused_within_violating"}),
        6: ("S1", "2023-12-05", "2024-02-01", "pending", 0, 0, {"in_file_month"}),
    }
    for line, (settlement_id, received, status, result, violating, refused, _) in cases.items():
        db.execute("""insert into raw.case_review values (%s, 'insurer', %s, %s, %s, %s, %s,
                          'case_review/2024-01.csv', %s, 9, '2024-01-01')""",
                   [settlement_id, received, status, result, violating, refused, line])
    fill_batch(db, all_suites()["case_review"], [Load(9, "case_review", "case_review/2024-01.csv", date(2024, 1, 1))])
    rules = [r.name for r in source_rules(SOURCES["case_review"])]
    found = db.execute(f"select _line_number, {', '.join(rules)} from quality.case_review").fetchall()
    assert {line: {rule for rule, holds in zip(rules, values) if holds is None} for line, *values in found} == \
           {line: case[-1] for line, case in cases.items()}


def test_an_external_institution_needs_no_registered_county(db, tmp_path):
    ensure_tables(db)
    write_reference(tmp_path)
    external = {**INSTITUTIONS[0], "institution_code": "H440304", "county_code": "440303", "managed_by": "external"}
    write_csv(tmp_path / "reference" / "institutions.csv", "institutions", [*INSTITUTIONS, external])
    load(db, tmp_path)
    db.execute("""insert into raw.institutions (institution_code, institution_name, institution_type, hospital_level,
                      ownership, county_code, managed_by, _file, _line_number, _load_id)
                  select 'H004', institution_name, institution_type, hospital_level, ownership, '440303', 'county',
                         _file, 5, _load_id
                  from raw.institutions where institution_code = 'H001'""")
    (load_id,) = db.execute("select _load_id from raw.institutions limit 1").fetchone()
    fill_batch(db, all_suites()["institutions"], [Load(load_id, "institutions", "reference/institutions.csv", None)])
    assert db.execute("select institution_code, county_registered from quality.institutions order by 1").fetchall() == [
        ("H001", True), ("H002", True), ("H004", None), ("H440304", True)]


def test_files_are_checked_until_they_pass(db, tmp_path):
    from orchestration.quality.checks import raw_checks, run_to_end

    write_reference(tmp_path)
    write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [settlement("S1"), settlement("S2")])
    february = tmp_path / "settlement" / "2024-02.csv"
    write_csv(february, "settlement", [settlement("S3", settlement_date="2024-02-01"),
                                       long_stay("S4", "2024-02-02"), huge_cost("S5", "2024-02-03")])
    load(db, tmp_path)
    sources = ["counties", "institutions", "settlement"]

    yielded = []  # each outcome is yielded once, as soon as its suites are validated
    first = run_to_end(raw_checks(sources, "run-1"), yielded.append)
    assert sorted(map(id, yielded)) == sorted(map(id, first.outcomes)) and len(yielded) == 3 * len(sources)
    failed = outcome(first, "settlement", "expectations")
    assert failed.files == ["settlement/2024-01.csv", "settlement/2024-02.csv"]
    assert sorted((f.load.file, f.expectation, f.unexpected_count) for f in failed.failures) == \
           [("settlement/2024-02.csv", STAY, 1), ("settlement/2024-02.csv", COST, 1)]
    assert "settlement/2024-02.csv: an inpatient stay lasts at most 365 days (1 row: line 3)" in failed.describe()
    assert outcome(first, "settlement", "reconciliation").passed
    assert outcome(first, "counties", "expectations").passed
    assert first.data_docs.is_file()

    again = run_to_end(raw_checks(sources, "run-2"))  # same data: February is still pending, and still fails
    assert outcome(again, "settlement", "expectations").files == ["settlement/2024-02.csv"]
    assert not outcome(again, "settlement", "expectations").passed

    write_csv(february, "settlement", [settlement("S3", settlement_date="2024-02-01")])  # re-delivered
    load(db, tmp_path)
    fixed = run_to_end(raw_checks(sources, "run-3"))
    assert outcome(fixed, "settlement", "expectations").files == ["settlement/2024-02.csv"]
    assert all(o.passed for o in fixed.outcomes)
    assert all(not o.files for o in run_to_end(raw_checks(sources, "run-4")).outcomes)

    recorded = db.execute("""select run_id, file, count(*) filter (where not passed), count(*)
                             from audit.quality_checks where suite = 'settlement' group by 1, 2 order by 1, 2""")
    assert [row[:3] for row in recorded] == [("run-1", "settlement/2024-01.csv", 0),
                                            ("run-1", "settlement/2024-02.csv", 2),
                                            ("run-2", "settlement/2024-02.csv", 2),
                                            ("run-3", "settlement/2024-02.csv", 0)]
    details = db.execute("""select details from audit.quality_checks
                            where run_id = 'run-1' and expectation = %s and not passed""", [STAY]).fetchone()[0]
    assert details["examples"][0]["_line_number"] == 3


def test_only_the_latest_check_steps_keep_their_results_and_pages(db, tmp_path, monkeypatch):
    """GX's validation results and Data Docs pages of older check steps are dropped;
    audit.quality_checks keeps every outcome."""
    from orchestration.quality import checks
    from orchestration.quality.gx_context import data_docs_dir, data_docs_index, get_context

    monkeypatch.setattr(checks, "RETAINED_CHECK_STEPS", 2)
    write_reference(tmp_path)
    # a failing file stays pending: every run validates it again
    write_csv(tmp_path / "settlement" / "2024-01.csv", "settlement", [long_stay("S1", "2024-01-10")])
    load(db, tmp_path)
    for run in ("first", "second", "third"):
        checks.run_to_end(checks.raw_checks(["counties", "settlement"], run))

    kept = {key.run_id.run_name for key in get_context().validation_results_store.list_keys()}
    assert kept == {"second-raw", "third-raw"}
    pages = data_docs_dir() / "validations"
    assert sorted(p.name for p in (pages / "settlement").iterdir()) == ["second-raw", "third-raw"]
    assert not (pages / "counties" / "first-raw").exists()  # the step's only counties results
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
           [("settlement/2024-04.csv", "at"), ("settlement/2024-04.csv", "rows")]
    assert outcome(report, "settlement", "expectations").passed
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
           "settlement/2024-02.csv: a reversal names a settlement already loaded (1 row: line 3)"
    assert outcome(report, "settlement", "expectations").passed


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
        for name in ("expectations", "reconciliation", "warnings"):
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


def test_a_failing_check_stops_dbt_naming_the_file_and_the_expectation(warehouse_url, tmp_path):
    from orchestration.pipeline import run_pipeline
    from orchestration.warehouse import connect, yibao_home

    root = write_marts_landing(tmp_path / "landing")
    january = root / "settlement" / "2025-01.csv"
    rows = list(csv.DictReader(january.open(encoding="utf-8")))
    write_csv(january, "settlement", rows + [long_stay("X1", "2025-01-20", institution_code="C1"),
                                             huge_cost("X2", "2025-01-21", institution_code="C1")])

    result = run_pipeline(root)

    assert not result.success and result.marts == []
    message = "\n".join(result.errors)
    assert "raw_data_quality: data-quality check failed" in message
    assert f"settlement/2025-01.csv: {STAY} (1 row: line {len(rows) + 2})" in message
    assert f"settlement/2025-01.csv: {COST} (1 row: line {len(rows) + 3})" in message
    with connect() as conn:
        assert not table_exists(conn, "marts.fct_settlements")
        failed = conn.execute("""select file, expectation from audit.quality_checks
                                 where not passed and severity = 'ERROR' order by expectation""").fetchall()
    assert failed == [("settlement/2025-01.csv", STAY), ("settlement/2025-01.csv", COST)]
    assert (yibao_home() / "data_docs" / "index.html").is_file()
