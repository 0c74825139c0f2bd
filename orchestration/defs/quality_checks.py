"""Great Expectations suites as Dagster asset checks (orchestration/quality/).

Every raw asset `raw/<source>` has two checks: `reconciliation` (ERROR: the file and aggregate
integrity rules of the catalogue, orchestration/rules.py) and `warnings` (WARN). Both run in one
step, `raw_data_quality`, after the loads: one GX import, one validation per suite, their Data
Docs pages. A failed ERROR check fails that step with a message naming each file and rule, so
the dbt models of the run do not run. (A row that breaks a rule never gets that far: the loader
quarantines it.)

The checks of the monthly sources are declared blocking. Those of the reference files cannot be:
a blocking check on `raw/counties` would hold back `raw/institutions` (which looks counties up)
until the step that checks both, a cycle. They stop dbt all the same, by failing the step.
A monthly source whose rules look up another monthly source (`case_review` reads `settlement`)
loads after that source's blocking checks, so its own checks are a step of their own after its
loads, `raw_data_quality_<source>`: in the one step, they would make a cycle.
`marts/fct_settlements` has the blocking check `reconciled_with_raw`. Outcomes go to
`audit.quality_checks`. Each check step renders its results into the Data Docs site under
`$YIBAO_HOME/data_docs`; the index is rebuilt once per run, by `reconciled_with_raw` when the run
has it and settlement files to reconcile, else by `raw_data_quality` (and by it whenever an error
stops the run there). When the run goes on to dbt, `raw_data_quality` renders its pages in the
background: the models do not wait for them.
"""


import dagster as dg

from orchestration.defs.raw_assets import raw_key
from orchestration.quality.checks import (FCT_CHECK, Checks, Outcome, Report, describe, fct_settlements_checks,
                                          raw_checks)
from orchestration.quality.gx_context import data_docs_index
from orchestration.sources import ALL_SOURCES, SOURCES, Source

FCT_SETTLEMENTS = dg.AssetKey(["marts", "fct_settlements"])
_DESCRIPTIONS = {
    "reconciliation": "Errors stop dbt: per file loaded and not yet passed, rows read = rows loaded + rows "
                      "quarantined, raw and quarantine hold exactly those rows, the key is unique, the raw "
                      "table has the contract's columns and types, aggregates (an opening balance per fund).",
    "warnings": "Statistical and plausibility findings: row count against the previous months, share "
                "of rows quarantined, the catalogue's row warnings.",
}


def _results(checks: Checks, keys: dict[tuple[str, str], dg.AssetCheckKey]):
    """An AssetCheckResult for each outcome as it comes (Dagster records it while the other
    suites are validated); returns the report."""
    while True:
        try:
            outcome = next(checks)
        except StopIteration as done:
            return done.value
        if (key := keys.get((outcome.source, outcome.check_name))) is not None:
            yield _result(outcome, key)


def _raise_errors(report: Report, keys: dict[tuple[str, str], dg.AssetCheckKey]) -> None:
    """A Failure naming every file and expectation that failed with severity ERROR (it fails
    the step, so nothing downstream runs)."""
    errors = [o for o in report.outcomes if o.blocking and o.failures and (o.source, o.check_name) in keys]
    if errors:
        lines = [describe(f) for o in errors for f in o.failures]
        raise dg.Failure(
            description="data-quality check failed: " + "; ".join(lines[:20])
                        + (f"; … {len(lines) - 20} more" if len(lines) > 20 else ""),
            metadata={"data_docs": str(report.data_docs)},
        )


def _result(outcome: Outcome, key: dg.AssetCheckKey) -> dg.AssetCheckResult:
    metadata = {"files_checked": len(outcome.files),
                "seconds_per_suite": {suite: round(seconds, 2) for suite, seconds in outcome.seconds.items()}}
    if outcome.files:
        metadata["data_docs"] = dg.MetadataValue.path(str(data_docs_index()))
    if outcome.failures:
        metadata["failures"] = dg.MetadataValue.md(_table(outcome.failures))
        metadata["failed_files"] = sorted({f.load.file for f in outcome.failures})
    return dg.AssetCheckResult(
        asset_key=key.asset_key, check_name=key.name, passed=outcome.passed, metadata=metadata,
        severity=dg.AssetCheckSeverity.ERROR if outcome.blocking else dg.AssetCheckSeverity.WARN,
        description=outcome.describe(),
    )


def _table(failures) -> str:
    rows = [f"| {f.load.file} | {f.expectation} | {f.unexpected_count if f.unexpected_count is not None else ''} "
            f"| {describe(f).removeprefix(f.load.file + ': ')} |" for f in failures[:100]]
    return "\n".join(["| file | expectation | unexpected | detail |", "|---|---|---|---|", *rows])


def _reads_monthly(source: Source) -> bool:
    """Whether the source's rules look up another monthly source (case_review: settlement)."""
    return any(SOURCES[name].monthly for name in source.lookups)


def _raw_data_quality(name: str, sources: list[Source]) -> dg.AssetChecksDefinition:
    """One check step for the raw assets of `sources`."""
    specs = [dg.AssetCheckSpec(check, asset=raw_key(source.name), blocking=source.monthly and check != "warnings",
                               description=text)
             for source in sources for check, text in _DESCRIPTIONS.items()]

    @dg.multi_asset_check(specs=specs, can_subset=True, name=name,
                          description="Great Expectations suites on the raw rows of the files loaded")
    def raw_data_quality(context: dg.AssetCheckExecutionContext):
        keys = {(key.asset_key.path[-1], key.name): key for key in context.selected_asset_check_keys}
        selected = [s.name for s in sources if any(source == s.name for source, _ in keys)]
        checks = raw_checks(selected, context.run.run_id, index=not _reconciles_later(context),
                            step="raw" + name.removeprefix("raw_data_quality"))
        report = yield from _results(checks, keys)
        context.log.info(f"checked {sum(len(o.files) for o in report.outcomes if o.check_name == 'reconciliation')} "
                         f"file(s) in {report.seconds:.1f} s; Data Docs: {report.data_docs}")
        _raise_errors(report, keys)

    return raw_data_quality


def _reconciles_later(context: dg.AssetCheckExecutionContext) -> bool:
    """Whether this run also runs `reconciled_with_raw` (its step then rebuilds the Data Docs index)."""
    key = dg.AssetCheckKey(FCT_SETTLEMENTS, FCT_CHECK)
    selected = context.run.asset_check_selection
    return key in (selected if selected is not None else context.job_def.asset_layer.asset_graph.asset_check_keys)


@dg.asset_check(asset=FCT_SETTLEMENTS, name=FCT_CHECK, blocking=True,
                description="Per month, the fact holds as many settlements as raw and the same "
                            "Σ total_cost and Σ of each payment.")
def fct_settlements_reconciled(context: dg.AssetCheckExecutionContext):
    keys = {("fct_settlements", FCT_CHECK): dg.AssetCheckKey(FCT_SETTLEMENTS, FCT_CHECK)}
    report = yield from _results(fct_settlements_checks(context.run.run_id), keys)
    _raise_errors(report, keys)


quality_checks = [
    _raw_data_quality("raw_data_quality", [s for s in ALL_SOURCES if not _reads_monthly(s)]),
    *(_raw_data_quality(f"raw_data_quality_{s.name}", [s]) for s in ALL_SOURCES if _reads_monthly(s)),
    fct_settlements_reconciled,
]
