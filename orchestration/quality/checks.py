"""Run the suites on the pending loads, record the outcomes, build the Data Docs.

`raw_checks` validates what the raw assets loaded (a suite per source plus `file_loads`);
`fct_settlements_checks` reconciles the settlement fact with raw after dbt. Both yield their
outcomes as they are known, for the Dagster asset checks to report them while other suites are
still validated (orchestration/defs/quality_checks.py), and end with a `Report`
(`run_to_end` runs them and returns it).

| check | on | from | severity |
| --- | --- | --- | --- |
| `reconciliation` | each `raw/<source>` | the critical file rules of `file_loads`: rows read = loaded + quarantined, raw and quarantine hold them, keys, schema, aggregates | ERROR |
| `warnings` | each `raw/<source>` | the warnings: the source's suite (plausibility of rows) and `file_loads` (row-count band, quarantine share) | WARN |
| `reconciled_with_raw` | `marts/fct_settlements` | `fct_settlements`: per month, rows and Σ amounts equal raw | ERROR |

A suite is validated with `BOOLEAN_ONLY` results, which GX computes in a few aggregate queries;
only the expectations that failed are validated again, with `COMPLETE` results indexed by
`_file`/`_line_number`, which name every failing file and row.
"""

from __future__ import annotations

import fcntl
import shutil
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Generator, Iterator

from orchestration.quality.batches import (VALIDATIONS_AT_A_TIME, Finding, Load, ensure_tables, fill_batch,
                                           pending_loads, quality_lock, record)
from orchestration.quality.gx_context import DATASOURCE, data_docs_dir, data_docs_index, get_context
from orchestration.quality.suites import Suite, all_suites, source_suites
from orchestration.warehouse import connect

RAW_CHECKS = ("reconciliation", "warnings")
FCT_CHECK = "reconciled_with_raw"
EXAMPLES = 5  # unexpected rows kept per file and expectation
# GX's validation results and their Data Docs pages are kept for this many of the latest check
# steps (a run has one or two); every outcome stays in audit.quality_checks.
RETAINED_CHECK_STEPS = 100


@dataclass
class Outcome:
    """One Dagster asset check's result: `source` is a raw source or `fct_settlements`."""

    source: str
    check_name: str
    blocking: bool  # ERROR severity
    suites: tuple[str, ...]  # the suites whose findings it gathers
    files: list[str] = field(default_factory=list)
    failures: list[Finding] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # per suite validated: batch filled and validated

    @property
    def passed(self) -> bool:
        return not self.failures

    def describe(self, limit: int = 10) -> str:
        if self.passed:
            return f"{len(self.files)} file(s) checked: all expectations met" if self.files else "no new file to check"
        lines = [describe(f) for f in self.failures[:limit]]
        if len(self.failures) > limit:
            lines.append(f"… and {len(self.failures) - limit} more")
        return "\n".join(lines)


@dataclass
class Report:
    outcomes: list[Outcome]
    data_docs: Path | None = None
    seconds: float = 0.0  # the whole check, waiting for GX's import and the Data Docs included
    # seconds per suite (batch filled and validated), and Data Docs when rendered in the step
    timings: dict[str, float] = field(default_factory=dict)


# A check step's validations: the outcomes, each as soon as the suites it gathers are
# validated; the generator's value is the Report.
Checks = Generator[Outcome, None, Report]


def describe(finding: Finding) -> str:
    """'settlement/2024-03.csv: settlement_date before discharge_date (1 row: line 4)'."""
    text = f"{finding.load.file}: {finding.expectation}"
    details = finding.details or {}
    lines = [str(row["_line_number"]) for row in details.get("examples", []) if "_line_number" in row]
    if finding.unexpected_count:
        plural = "s" if finding.unexpected_count != 1 else ""
        text += f" ({finding.unexpected_count} row{plural}" + (f": line {', '.join(lines)})" if lines else ")")
    elif details.get("observed_value") is not None:
        text += f" (observed {details['observed_value']})"
    if "exception" in details:
        text += f" (error: {details['exception']})"
    return text


def run_to_end(checks: Checks, each: Callable[[Outcome], object] = lambda outcome: None) -> Report:
    """The report at the end of `checks`, after calling `each` on every outcome yielded."""
    while True:
        try:
            each(next(checks))
        except StopIteration as done:
            return done.value


def raw_checks(sources: list[str], run_id: str, url: str | None = None, index: bool = True,
               step: str = "raw") -> Checks:
    """Validate the pending loads of the raw `sources`: their suites and `file_loads`; `step`
    names the check step in GX's run name.

    `index=False`: the run reconciles the settlement fact later, and that step rebuilds the Data
    Docs index, when it has settlement loads to reconcile and no error here stops the run first."""
    with_suite = {suite.name for suite in source_suites()}

    def batches(conn) -> list[tuple[str, list[Load]]]:
        loads = pending_loads(conn, sources, ["file_loads"])
        return [*((s, [l for l in loads if l.source == s]) for s in sources if s in with_suite), ("file_loads", loads)]

    def check_of(suite: str, severity: str) -> str:
        return "warnings" if severity == "WARN" else "reconciliation"

    def leaves_index(conn, outcomes: list[Outcome]) -> bool:
        return not index and not any(o.blocking and o.failures for o in outcomes) and bool(_fct_batches(conn)[0][1])

    outcomes = [Outcome(s, c, c != "warnings", (s, "file_loads") if s in with_suite else ("file_loads",))
                for s in sources for c in RAW_CHECKS]
    return _validate(batches, check_of, outcomes, run_id, step, url, leaves_index)


def fct_settlements_checks(run_id: str, url: str | None = None) -> Checks:
    """Reconcile the months of the settlement loads not yet reconciled with marts.fct_settlements."""
    outcome = Outcome("fct_settlements", FCT_CHECK, True, ("fct_settlements",))
    return _validate(_fct_batches, lambda suite, severity: FCT_CHECK, [outcome], run_id, "fct_settlements", url,
                     lambda conn, outcomes: False)


def _fct_batches(conn) -> list[tuple[str, list[Load]]]:
    return [("fct_settlements", pending_loads(conn, ["settlement"], ["fct_settlements"]))]


def _validate(batches: Callable, check_of: Callable[[str, str], str], outcomes: list[Outcome],
              run_id: str, step: str, url: str | None, leaves_index: Callable) -> Checks:
    """Under the lock: fill each suite's batch and validate it, yielding each outcome once the
    suites it gathers are done; record the findings; then the docs.

    GX's run name is `<run id>-<step>`, so each step renders only its own results. The index,
    which lists the latest results of all runs, is rebuilt once per run, by its last check step:
    `leaves_index(conn, outcomes)` says a later step will. This step's pages are then rendered
    in a thread that nothing waits for but the later step's rendering and the process's exit."""
    run_name = f"{run_id}-{step}"
    started = time.perf_counter()
    report = Report(outcomes)
    suites = all_suites()
    with connect(url, autocommit=True) as conn:
        ensure_tables(conn)
        with quality_lock(conn):
            todo = dict(sorted((item for item in batches(conn) if item[1]), key=_first_to_validate))
            if not todo:
                yield from outcomes
                return report
            context = get_context(url)
            findings = []
            try:
                with ThreadPoolExecutor(VALIDATIONS_AT_A_TIME) as pool:
                    running = {pool.submit(_check, context, suites[suite], loads, run_name, url): suite
                               for suite, loads in todo.items()}
                    for future in as_completed(running):
                        suite = running[future]
                        result, report.timings[suite] = future.result()
                        found = _findings(suites[suite], todo[suite], result, check_of)
                        findings += found
                        yield from _attribute(found, outcomes, suite, report.timings, todo)
            finally:  # the context is kept for the next check; its connections are not
                context.data_sources.get(DATASOURCE).get_engine().dispose()
            record(conn, run_id, findings)
            index = not leaves_index(conn, outcomes)
    if index:
        clock = time.perf_counter()
        _build_data_docs(context, run_name, index)
        report.timings["data_docs"] = time.perf_counter() - clock
    else:  # nothing downstream reads this step's pages: render them while the run goes on
        threading.Thread(target=_build_data_docs, args=(context, run_name, index), name="data-docs").start()
    report.data_docs = data_docs_index()
    report.seconds = time.perf_counter() - started
    return report


def _first_to_validate(item: tuple[str, list[Load]]) -> tuple:
    """`file_loads` first (every raw outcome waits for it), then the batches with most rows."""
    suite, loads = item
    return suite != "file_loads", -sum(load.rows for load in loads)


def _attribute(findings: list[Finding], outcomes: list[Outcome], suite: str, timings: dict[str, float],
               todo: dict) -> Iterator[Outcome]:
    """Add a validated suite's findings to the outcomes; yield those whose suites are all done."""
    by_key = {(o.source, o.check_name): o for o in outcomes}
    files = defaultdict(set)
    for f in findings:
        source = "fct_settlements" if f.suite == "fct_settlements" else f.load.source
        files[source].add(f.load.file)
        if not f.passed:
            by_key[source, f.check_name].failures.append(f)
    for outcome in outcomes:
        if suite in outcome.suites:
            outcome.files = sorted(files[outcome.source].union(outcome.files))
            outcome.seconds[suite] = timings[suite]
            if all(s in timings for s in outcome.suites if s in todo):
                yield outcome


def _check(context, suite: Suite, loads: list[Load], run_name: str, url: str | None) -> tuple:
    """Fill the suite's batch (on a connection of this thread) and validate it; (result, seconds)."""
    clock = time.perf_counter()
    with connect(url, autocommit=True) as conn:
        fill_batch(conn, suite, loads)
    return _run(context, suite.name, suite.index_columns, run_name), time.perf_counter() - clock


def _run(context, suite: str, index_columns: tuple[str, ...], run_name: str):
    """Validate with BOOLEAN_ONLY results; then only the expectations that failed, again with
    COMPLETE results naming their rows, and store the merged result for the Data Docs."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    definition = context.validation_definitions.get(suite)
    run = RunIdentifier(run_name=run_name, run_time=datetime.now(timezone.utc))
    result = definition.run(result_format="BOOLEAN_ONLY", run_id=run)
    failed = [r.expectation_config for r in result.results if not r.success]
    if failed:
        copies = gx.ExpectationSuite(name=suite)
        for config in failed:
            copies.add_expectation_configuration(ExpectationConfiguration(
                type=config.type, kwargs=config.kwargs, description=config.description, severity=config.severity))
        details = definition.batch_definition.get_batch().validate(copies, result_format={
            "result_format": "COMPLETE", "unexpected_index_column_names": list(index_columns),
            "partial_unexpected_count": 20, "return_unexpected_index_query": False})
        detailed = {r.expectation_config.description: r for r in details.results}
        for i, r in enumerate(result.results):
            if (detail := detailed.get(r.expectation_config.description)) is not None:
                detail.expectation_config = r.expectation_config  # the suite's id and meta
                result.results[i] = detail
        store = context.validation_results_store
        key = next(k for k in store.list_keys()
                   if k.run_id.run_name == run_name and k.expectation_suite_identifier.name == suite)
        store.set(key, result)
    return result


def _findings(of: Suite, loads: list[Load], result, check_of) -> list[Finding]:
    """One Finding per expectation and load; failing rows are attributed to files by `_file`.
    A suite of one row per file (`file_loads`) counts no rows: the file fails or passes."""
    suite, per_file = of.name, "_line_number" not in of.index_columns
    findings = []
    for r in result.results:
        config = r.expectation_config
        severity = "ERROR" if config.severity == "critical" else "WARN"
        check = check_of(suite, severity)
        name = config.description or config.type
        outcome = r.result or {}
        index = outcome.get("unexpected_index_list")
        error = _exception(r.exception_info)
        if r.success:
            findings += [Finding(suite, l, check, name, severity, True, 0) for l in loads]
        elif index is not None and not error:
            rows = defaultdict(list)
            for row in index:
                rows[row["_file"]].append({k: v for k, v in row.items() if k != "_file"})
            counts = Counter({file: len(found) for file, found in rows.items()})
            findings += [Finding(suite, l, check, name, severity, counts[l.file] == 0,
                                 None if per_file else counts[l.file],
                                 {"examples": rows[l.file][:EXAMPLES]} if counts[l.file] and not per_file else None)
                         for l in loads]
        else:  # a table-level expectation, or one that raised: every file of the batch fails
            details = {"type": config.type, "observed_value": outcome.get("observed_value")}
            if error:
                details["exception"] = error
            findings += [Finding(suite, l, check, name, severity, False, outcome.get("unexpected_count"), details)
                         for l in loads]
    return findings


def _exception(info) -> str | None:
    """The first exception message in an expectation result's exception_info, if any."""
    if not info:
        return None
    infos = [info] if "raised_exception" in info else list(info.values())
    messages = [i.get("exception_message") for i in infos if isinstance(i, dict) and i.get("raised_exception")]
    return messages[0].splitlines()[0] if messages else None


def _build_data_docs(context, run_name: str, index: bool) -> None:
    """Render this step's validation results, and the index if asked, into $YIBAO_HOME/data_docs.

    One rendering at a time (an exclusive lock on a file in the site, so across the processes
    of a run too): the index lists the results of every rendering before it."""
    directory = data_docs_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        keys = context.validation_results_store.list_keys()
        if index:
            keys = _drop_old_results(context, keys)
        context.build_data_docs(resource_identifiers=[k for k in keys if k.run_id.run_name == run_name],
                                build_index=index)


def _drop_old_results(context, keys: list) -> list:
    """Remove the validation results (of `keys`, the store's) and the Data Docs pages of all but
    the RETAINED_CHECK_STEPS latest check steps; returns the keys kept. Without it both grow with
    every run, and so does the listing of the results that each check step makes. A step's
    pages are the folders `validations/<suite>/<run name>/` of the site."""
    steps = defaultdict(list)
    for key in keys:
        steps[key.run_id.run_name].append(key)
    latest_first = sorted(steps, key=lambda step: max(k.run_id.run_time for k in steps[step]), reverse=True)
    for step in latest_first[RETAINED_CHECK_STEPS:]:
        for key in steps[step]:
            context.validation_results_store.remove_key(key)
            shutil.rmtree(data_docs_dir() / "validations" / key.expectation_suite_identifier.name / step,
                          ignore_errors=True)
    return [key for step in latest_first[:RETAINED_CHECK_STEPS] for key in steps[step]]
