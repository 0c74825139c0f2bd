"""The half-year bulletin as a Dagster asset partitioned by half-year, and its job."""

import dagster as dg

from orchestration.bulletin import HalfYear, write_bulletin
from orchestration.bulletin.periods import partition_keys
from orchestration.resources import WarehouseResource

HALF_YEARS = dg.StaticPartitionsDefinition(partition_keys())
BULLETIN = dg.AssetKey(["bulletin", "half_year_bulletin"])
# The marts the bulletin reads (audit and quarantine tables aside).
MARTS_READ = ["confirmed_violations_half_year", "dim_counties", "dim_institutions", "dim_months", "enrollment_monthly",
              "external_ci_spending_half_year", "fund_balance_monthly", "fund_payable_months", "inspection_plan_half_year",
              "inspection_results", "institution_overspend", "institution_ranking_half_year", "rectifications",
              "rectifications_by_county", "suspicious_rules", "suspicious_settlements"]


@dg.asset(key=BULLETIN, partitions_def=HALF_YEARS, deps=[dg.AssetKey(["marts", m]) for m in MARTS_READ],
          group_name="bulletin", kinds={"html", "pdf", "xlsx"},
          description="半年度通報: the working group's half-year bulletin as HTML, PDF (A4, page numbers) and an "
                      "XLSX workbook of its tables, under $YIBAO_HOME/bulletins.")
def half_year_bulletin(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    period = HalfYear.parse(context.partition_key)
    with warehouse.connect() as conn:
        try:
            files = write_bulletin(conn, period)
        except ValueError as incomplete:
            raise dg.Failure(description=str(incomplete)) from incomplete
    return dg.MaterializeResult(metadata={kind: dg.MetadataValue.path(str(path))
                                          for kind, path in zip(("html", "pdf", "xlsx"), files)})


bulletin_job = dg.define_asset_job(
    "half_year_bulletin", selection=[BULLETIN],
    description="Write the half-year bulletin of one half-year (partition YYYY-Hn) from the marts.")
