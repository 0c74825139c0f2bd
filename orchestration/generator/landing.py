"""Writing a whole landing directory (docs/landing.md), one month at a time."""

from __future__ import annotations

from pathlib import Path

from orchestration.sources import SOURCES

from .budgets import write_budgets
from .case_reviews import write_case_reviews
from .enrollment import write_enrollment
from .fund_flows import FundLedger, write_fund_flows, write_opening_balances
from .inspections import InspectionState, month_inspections, write_inspections
from .policy import policy_parameters, write_policy_parameters
from .randomness import stream
from .reference import write_alert_recipients, write_counties, write_institutions
from .settlements import SettlementState, fund_expenditure, settle_month, write_ground_truth, write_settlements
from .world import build_world


def generate(out: Path, seed: int = 20240101, start: str = "2024-01", months: int = 24,
             persons: int = 20000) -> dict[str, int]:
    """Write a synthetic landing directory to `out`; return the number of rows per source.

    `persons` is the number of insured persons enrolled in the first month; about 0.25 % a
    month join later and a few leave. The same arguments always give byte-identical files.
    `out` must not hold CSV files yet, so no stale month of an earlier run is left behind.
    Besides the landing files, `_ground_truth/suspicious.csv` lists the suspicious cases the
    screening rules must flag (anomalies.py); the loader ignores that folder. policy_parameters.csv
    fits the size-dependent parameters to `persons` (policy.py).
    """
    out = Path(out)
    if out.exists() and any(out.rglob("*.csv")):
        raise ValueError(f"{out} already holds CSV files: generate into a new or empty directory")
    world = build_world(seed, start, months, persons)
    population, institutions, calendar = world.population, world.institutions, world.calendar
    rows = dict.fromkeys(SOURCES, 0)
    policy = policy_parameters(persons)
    rows["policy_parameters"] = write_policy_parameters(out, policy)
    initial = population.start_month == 0
    enrolled = [int((initial & (population.county == c)).sum()) for c in range(len(world.counties.codes))]
    rows["counties"] = write_counties(out, world.counties, enrolled, stream(seed, "reference"))
    rows["institutions"] = write_institutions(out, institutions)
    rows["alert_recipients"] = write_alert_recipients(out, world.counties)

    settlements = SettlementState.start(len(population))
    inspections = InspectionState.start(institutions)
    ledger = FundLedger(len(world.counties.codes))
    for month in calendar:
        batch = settle_month(world, settlements, month)
        rows["settlement"] += write_settlements(out, month, batch, world)
        flows = ledger.month_flows(month, population, fund_expenditure(batch), stream(seed, "fund_flows", month.index))
        rows["fund_flows"] += write_fund_flows(out, month, flows, world.counties.codes)
        rows["enrollment"] += write_enrollment(out, month, population, world.counties)
        found = month_inspections(institutions, month, calendar[-1].last_day, settlements.paid_by_half, inspections,
                                  policy, stream(seed, "inspections", month.index))
        rows["inspection"] += write_inspections(out, month, found, institutions)

    rows["budgets"] = write_budgets(out, calendar, settlements.pooled_by_year, institutions, stream(seed, "budgets"))
    rows["fund_opening_balance"] = write_opening_balances(out, calendar[0], ledger.opening_balances())
    rows["case_review"] = write_case_reviews(out, calendar, list(settlements.cases.values()),
                                             stream(seed, "case_reviews"))
    write_ground_truth(out, settlements.truth)  # not a landing source: not counted in `rows`
    return rows
