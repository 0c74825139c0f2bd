"""Assets that load the landing files into the `raw` schema, one per landing source.

Reference files are unpartitioned snapshots. Monthly sources are partitioned by month; one run
loads any range of months (single-run backfill policy), oldest first, because settlement rules
look at earlier months (settlement_id unique across months).

A rejected file does not fail its asset: the earlier delivery of that file stays in raw, and the
run goes on to build the marts on what is loaded. Each asset reports it through its check
`files_accepted` (severity ERROR, not blocking), and `yibao run` exits non-zero naming it.
"""

from functools import partial

import dagster as dg

from orchestration.loading import FileLoad, Landing, load_file, load_files, reject_file
from orchestration.resources import LandingResource, RunLockResource, WarehouseResource
from orchestration.sources import MONTHLY_SOURCES, REFERENCE_SOURCES, Source

MONTHS = dg.MonthlyPartitionsDefinition(start_date="2015-01", end_date="2041-01", fmt="%Y-%m")

def raw_key(source_name: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", source_name])


def _deps(source: Source) -> list[dg.AssetKey]:
    return [raw_key(name) for name in source.lookups]


FILES_ACCEPTED = "files_accepted"


def _check_spec(source: Source) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(FILES_ACCEPTED, asset=raw_key(source.name), blocking=False,
                             description="Every landing file of the run could be read; a rejected file keeps "
                                         "its earlier delivery, and the marts are built on what is loaded.")


def _result(loads: list[FileLoad]) -> dg.MaterializeResult:
    """The counts of the loads, and the check that names each rejected file."""
    done = [load for load in loads if load.status == "loaded"]
    rejected = [load for load in loads if load.status == "rejected"]
    check = dg.AssetCheckResult(
        check_name=FILES_ACCEPTED, passed=not rejected, severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(f"{load.file} rejected: {load.message}" for load in rejected) or None,
        metadata={"rejected_files": [load.file for load in rejected]},
    )
    return dg.MaterializeResult(
        metadata={
            "files_loaded": len(done),
            "files_unchanged": len(loads) - len(done) - len(rejected),
            "files_rejected": len(rejected),
            "rows_loaded": sum(load.rows_loaded for load in done),
            "rows_quarantined": sum(load.rows_quarantined for load in done),
            "files": dg.MetadataValue.md(_table(loads)),
        },
        check_results=[check],
    )


def _table(loads: list[FileLoad]) -> str:
    rows = [f"| {l.file} | {l.status} | {l.rows_read} | {l.rows_loaded} | {l.rows_quarantined} |" for l in loads]
    return "\n".join(["| file | status | read | loaded | quarantined |", "|---|---|---|---|---|", *rows])


def _refused(conn, source: Source, found: Landing) -> list[FileLoad]:
    """Record the files of `source` that the landing layout refuses (misnamed, links …)."""
    return [reject_file(conn, source.name, path.relative_to(found.root).as_posix(), problem)
            for name, path, problem in found.misplaced if name == source.name]


def reference_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_key(source.name),
        deps=_deps(source),
        check_specs=[_check_spec(source)],
        group_name="raw",
        kinds={"postgres"},
        description=f"{source.comment}: landing `{source.file_name()}`, a full snapshot replacing the previous one.",
    )
    def load_reference(context: dg.AssetExecutionContext, warehouse: WarehouseResource, run_lock: RunLockResource,
                       landing: LandingResource) -> dg.MaterializeResult:
        found = landing.discover()
        path = found.reference.get(source.name)
        with warehouse.connect() as conn:
            loads = _refused(conn, source, found)
            if path is not None:
                loads.append(load_file(conn, source, path, found.root))
        if not loads and not source.optional:
            raise dg.Failure(description=f"{source.file_name()} is missing from {found.root}")
        return _result(loads)

    return load_reference


def monthly_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_key(source.name),
        deps=_deps(source),
        partitions_def=MONTHS,
        backfill_policy=dg.BackfillPolicy.single_run(),
        check_specs=[_check_spec(source)],
        group_name="raw",
        kinds={"postgres"},
        description=f"{source.comment}: landing `{source.folder}/YYYY-MM.csv`; a re-delivered month replaces that month.",
    )
    def load_months(context: dg.AssetExecutionContext, warehouse: WarehouseResource, run_lock: RunLockResource,
                    landing: LandingResource) -> dg.MaterializeResult:
        found = landing.discover()
        files = found.monthly.get(source.name, {})
        months = [month for month in context.partition_keys if month in files]
        with warehouse.connect() as conn:
            loads = _refused(conn, source, found)
        connect = partial(warehouse.connect, schemas_ready=True)
        for load in load_files(connect, source, [(files[month], month) for month in months], found.root):
            context.log.info(f"{load.file}: {load.status}, {load.rows_loaded} loaded, "
                             f"{load.rows_quarantined} quarantined in {load.seconds:.1f} s"
                             + (f": {load.message}" if load.message else ""))
            loads.append(load)
        return _result(loads)

    return load_months


raw_assets = [reference_asset(s) for s in REFERENCE_SOURCES] + [monthly_asset(s) for s in MONTHLY_SOURCES]
