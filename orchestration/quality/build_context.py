"""Write the suites of `suites.py` into the committed file context `expectations/gx/`.

    python -m orchestration.quality.build_context

An authoring step, run after changing `suites.py` (then commit `expectations/`); checks never
run it. Get-or-create: the data source, a table asset on the suite's view `quality.<suite>`
(its SQL lives in suites.py) with a whole-table batch definition and a validation definition
per suite are created when missing; a suite that changed is replaced, with its validation
definition, and a suite no longer defined is removed with its asset and validation definition.
Anything unchanged keeps its file and id. Adding an asset makes GX connect to the
warehouse (`WAREHOUSE_URL`, else the embedded server), where the views and tables are created
first: use a warehouse whose marts are built (`marts.fct_settlements` is read).
"""

from __future__ import annotations

from orchestration.quality.batches import ensure_tables, fill_batch, quality_lock
from orchestration.quality.gx_context import BATCH_DEFINITION, DATASOURCE, get_context
from orchestration.quality.suites import SCHEMA, Suite, all_suites
from orchestration.raw_schema import ensure_schemas
from orchestration.warehouse import connect


def _configurations(suite: Suite) -> list:
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    return [ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], description=e["description"],
                                     severity=e["severity"], meta=e["meta"]) for e in suite.expectations]


def _same(existing, suite: Suite) -> bool:
    """Same expectations (GX's normal form: default kwargs dropped; ids ignored)."""
    def normal(config) -> dict:
        return {k: v for k, v in config.to_json_dict().items() if k != "id"}

    current = [normal(e.configuration) for e in existing.expectations]
    return current == [normal(c) for c in _configurations(suite)] and not existing.notes


def build() -> list[str]:
    """Create or update the context; returns what changed."""
    import great_expectations as gx

    suites = all_suites().values()
    with connect(autocommit=True) as conn:  # the views and tables must exist for GX to add them
        ensure_schemas(conn)
        ensure_tables(conn)
        with quality_lock(conn):
            for suite in suites:
                fill_batch(conn, suite, [])
    context = get_context()
    changes = []
    try:
        datasource = context.data_sources.get(DATASOURCE)
    except KeyError:
        datasource = context.data_sources.add_postgres(DATASOURCE, connection_string="${YIBAO_GX_WAREHOUSE_URL}")
        changes.append(f"data source {DATASOURCE}")
    names = {v.name for v in context.validation_definitions.all()}
    for suite in suites:
        stale = False
        asset = next((a for a in datasource.assets if a.name == suite.name), None)
        if asset is None:
            asset = datasource.add_table_asset(suite.name, table_name=suite.name)
            asset.add_batch_definition_whole_table(BATCH_DEFINITION)
            changes.append(f"table asset {SCHEMA}.{suite.name}")
        try:
            existing = context.suites.get(suite.name)
        except Exception:  # GX raises DataContextError for a missing suite
            existing = None
        if existing is not None and not _same(existing, suite):
            context.suites.delete(suite.name)
            existing, stale = None, True
        if existing is None:
            existing = gx.ExpectationSuite(name=suite.name)
            for configuration in _configurations(suite):
                existing.add_expectation_configuration(configuration)
            existing = context.suites.add(existing)
            changes.append(f"suite {suite.name} ({len(suite.expectations)} expectations)")
        if stale and suite.name in names:
            context.validation_definitions.delete(suite.name)
            names.discard(suite.name)
        if suite.name not in names:
            batch = asset.get_batch_definition(BATCH_DEFINITION)
            context.validation_definitions.add(gx.ValidationDefinition(name=suite.name, data=batch, suite=existing))
            changes.append(f"validation definition {suite.name}")
    changes += _remove_stale(context, datasource, {suite.name for suite in suites}, names)
    return changes


def _remove_stale(context, datasource, defined: set[str], definitions: set[str]) -> list[str]:
    """Remove the suites, validation definitions and table assets of suites no longer defined."""
    removed = []
    for name in sorted(definitions - defined):
        context.validation_definitions.delete(name)
        removed.append(f"removed validation definition {name}")
    for suite in context.suites.all():
        if suite.name not in defined:
            context.suites.delete(suite.name)
            removed.append(f"removed suite {suite.name}")
    for asset in [a for a in datasource.assets if a.name not in defined]:
        datasource.delete_asset(asset.name)
        removed.append(f"removed table asset {SCHEMA}.{asset.name}")
    return removed


if __name__ == "__main__":
    print("\n".join(build()) or "expectations/gx is up to date")
