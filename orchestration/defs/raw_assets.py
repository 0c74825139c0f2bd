"""Assets that load the landing files into the `raw` schema, one per landing source.

Reference files are unpartitioned snapshots. Monthly sources are partitioned by month; one run
loads any range of months (single-run backfill policy), oldest first, because settlement rules
look at earlier months (settlement_id unique across months).
"""

from functools import partial

import dagster as dg

from orchestration.loading import FileLoad, load_file, load_files, reject_file
from orchestration.resources import LandingResource, WarehouseResource
from orchestration.sources import MONTHLY_SOURCES, REFERENCE_SOURCES, Source

MONTHS = dg.MonthlyPartitionsDefinition(start_date="2015-01", end_date="2041-01", fmt="%Y-%m")

def raw_key(source_name: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", source_name])


def _deps(source: Source) -> list[dg.AssetKey]:
    return [raw_key(name) for name in source.lookups]


def _result(loads: list[FileLoad]) -> dg.MaterializeResult:
    """Raise when a file was rejected (after loading every other file); else report the counts."""
    rejected = [load for load in loads if load.status == "rejected"]
    if rejected:
        raise dg.Failure(
            description="; ".join(f"{load.file} rejected: {load.message}" for load in rejected),
            metadata={"rejected_files": [load.file for load in rejected]},
        )
    done = [load for load in loads if load.status == "loaded"]
    return dg.MaterializeResult(
        metadata={
            "files_loaded": len(done),
            "files_unchanged": len(loads) - len(done),
            "rows_loaded": sum(load.rows_loaded for load in done),
            "rows_quarantined": sum(load.rows_quarantined for load in done),
            "files": dg.MetadataValue.md(_table(loads)),
        }
    )


def _table(loads: list[FileLoad]) -> str:
    rows = [f"| {l.file} | {l.status} | {l.rows_read} | {l.rows_loaded} | {l.rows_quarantined} |" for l in loads]
    return "\n".join(["| file | status | read | loaded | quarantined |", "|---|---|---|---|---|", *rows])


def reference_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_key(source.name),
        deps=_deps(source),
        group_name="raw",
        kinds={"postgres"},
        description=f"{source.comment}: landing `{source.file_name()}`, a full snapshot replacing the previous one.",
    )
    def load_reference(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                       landing: LandingResource) -> dg.MaterializeResult:
        found = landing.discover()
        path = found.reference.get(source.name)
        if path is None:
            if source.optional:
                return dg.MaterializeResult(metadata={"files_loaded": 0, "note": "optional file absent"})
            raise dg.Failure(description=f"{source.file_name()} is missing from {found.root}")
        with warehouse.connect() as conn:
            return _result([load_file(conn, source, path, found.root)])

    return load_reference


def monthly_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_key(source.name),
        deps=_deps(source),
        partitions_def=MONTHS,
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name="raw",
        kinds={"postgres"},
        description=f"{source.comment}: landing `{source.folder}/YYYY-MM.csv`; a re-delivered month replaces that month.",
    )
    def load_months(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                    landing: LandingResource) -> dg.MaterializeResult:
        found = landing.discover()
        files = found.monthly.get(source.name, {})
        months = [month for month in context.partition_keys if month in files]
        with warehouse.connect() as conn:
            loads = [reject_file(conn, source.name, path.relative_to(found.root).as_posix(), problem)
                     for name, path, problem in found.misplaced if name == source.name]
        connect = partial(warehouse.connect, schemas_ready=True)
        for load in load_files(connect, source, [(files[month], month) for month in months], found.root):
            context.log.info(f"{load.file}: {load.status}, {load.rows_loaded} loaded, "
                             f"{load.rows_quarantined} quarantined in {load.seconds:.1f} s")
            loads.append(load)
        return _result(loads)

    return load_months


raw_assets = [reference_asset(s) for s in REFERENCE_SOURCES] + [monthly_asset(s) for s in MONTHLY_SOURCES]
