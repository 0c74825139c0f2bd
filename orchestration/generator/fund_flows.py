"""fund_flows/YYYY-MM.csv and reference/fund_opening_balance.csv: the funds' money apart from settlements.

Per month, county and fund:
- employee_pooled: employers' contributions (income); interest (income, quarter ends); the
  monthly credit to retirees' personal accounts (transfer_out) and maternity allowances
  (other). Employees' own 2 % goes to their personal accounts, not to the pooled fund.
- resident_basic: personal contributions, collected mostly from September to December for
  the next year; fiscal subsidies each quarter; interest; the CI insurance money (transfer_out).
- critical_illness: the CI insurance money from the resident fund (transfer_in).
The ledger follows each fund's money to credit interest and to choose opening balances that
look like DOMAIN.md's payable months and never run out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from orchestration.sources import FUNDS, SOURCES

from . import csvtext, parameters as p
from .months import Month
from .population import Population, resident_financing

_INTEREST_FUNDS = ("employee_pooled", "resident_basic")


@dataclass
class Flow:
    fund: str
    county: int
    direction: str
    item: str
    cents: int


@dataclass
class FundLedger:
    """Each fund's money month by month.

    The written opening balance is OPENING_MONTHS of the mean monthly expenditure of the first
    (up to) twelve months, raised where the fund would otherwise cover fewer than
    MINIMUM_BALANCE_MONTHS in some month, counted as the marts count payable months (the balance
    ÷ the mean expenditure of the twelve months up to it). Interest is credited on a running
    balance that starts from the same number of months of the first month's expenditure, the
    best estimate available when the first month is written.
    """

    counties: int
    balance: dict[str, float] = field(default_factory=dict)  # cents, from the estimated opening
    net: dict[str, list[float]] = field(default_factory=lambda: {fund: [] for fund in FUNDS})  # cumulative
    spent: dict[str, list[float]] = field(default_factory=lambda: {fund: [] for fund in FUNDS})

    def month_flows(self, month: Month, population: Population, settled: dict[str, int],
                    rng: np.random.Generator) -> list[Flow]:
        """The month's flows; `settled` is what each fund paid through settlements (cents)."""
        flows = _flows(month, population, self.counties, rng)
        expense = {fund: settled[fund] + sum(f.cents for f in flows if f.fund == fund and f.direction == "expense")
                   for fund in FUNDS}
        if not self.balance:
            self.balance = {fund: p.OPENING_MONTHS[fund] * expense[fund] for fund in FUNDS}
        flows += self._interest(month, population)
        for fund in FUNDS:
            income = sum(f.cents for f in flows if f.fund == fund and f.direction == "income")
            self.balance[fund] += income - expense[fund]
            self.net[fund].append((self.net[fund][-1] if self.net[fund] else 0.0) + income - expense[fund])
            self.spent[fund].append(expense[fund])
        return flows

    def _interest(self, month: Month, population: Population) -> list[Flow]:
        if month.number % 3:
            return []
        share = _county_shares(population, month, self.counties)
        return [Flow(fund, c, "income", "interest",
                     round(max(self.balance[fund], 0) * p.INTEREST_PER_QUARTER * share[c]))
                for fund in _INTEREST_FUNDS for c in range(self.counties)]

    def opening_balances(self) -> dict[str, int]:
        result = {}
        for fund in FUNDS:
            spent, net = self.spent[fund], self.net[fund]
            target = p.OPENING_MONTHS[fund] * np.mean(spent[:12])
            needed = max(p.MINIMUM_BALANCE_MONTHS[fund] * np.mean(spent[max(0, t - 11):t + 1]) - net[t]
                         for t in range(len(spent)))
            result[fund] = round(max(target, needed))
        return result


def _county_shares(population: Population, month: Month, counties: int) -> np.ndarray:
    counts = np.bincount(population.county[population.active(month)], minlength=counties).astype(float)
    return counts / max(counts.sum(), 1)


def _flows(month: Month, population: Population, counties: int, rng: np.random.Generator) -> list[Flow]:
    active = population.active(month)
    county = population.county

    def per_county(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        chosen = active & mask
        return np.bincount(county[chosen], weights=None if weights is None else weights[chosen], minlength=counties)

    in_service = (population.scheme == p.EMPLOYEE) & (population.category == p.ORDINARY)
    retirees = population.category == p.RETIRED
    residents = per_county(population.scheme == p.RESIDENT).astype(float)
    contribution, subsidy = resident_financing(month.year)
    next_contribution, _ = resident_financing(month.year + 1)
    births, months_paid = p.MATERNITY
    ci_money = residents * p.CI_PREMIUM_PER_RESIDENT / len(p.CI_PREMIUM_MONTHS) * (month.number in p.CI_PREMIUM_MONTHS)
    yuan = {
        ("employee_pooled", "income", "contribution_employer"):
            per_county(in_service, population.base) * p.EMPLOYER_RATE,
        ("employee_pooled", "expense", "transfer_out"): per_county(retirees) * p.RETIREE_ACCOUNT_TRANSFER,
        ("employee_pooled", "expense", "other"): per_county(in_service & ~population.male, population.base)
        * births / 12 * months_paid,
        ("resident_basic", "income", "contribution_personal"): residents * (
            contribution * p.PREMIUM_THIS_YEAR.get(month.number, 0.0)
            + next_contribution * p.PREMIUM_NEXT_YEAR.get(month.number, 0.0)),
        ("resident_basic", "income", "fiscal_subsidy"):
            residents * subsidy * p.FISCAL_SUBSIDY_MONTHS.get(month.number, 0.0),
    }
    flows = [Flow(fund, c, direction, item, round(amount[c] * 100 * rng.uniform(1 - p.FLOW_NOISE, 1 + p.FLOW_NOISE)))
             for (fund, direction, item), amount in yuan.items() for c in range(counties) if amount[c] > 0]
    # the CI money leaves one fund and enters the other unchanged
    for c in range(counties):
        if ci_money[c] > 0:
            cents = round(ci_money[c] * 100)
            flows += [Flow("resident_basic", c, "expense", "transfer_out", cents),
                      Flow("critical_illness", c, "income", "transfer_in", cents)]
    return flows


def write_fund_flows(out: Path, month: Month, flows: list[Flow], county_codes: list[str]) -> int:
    flows = sorted(flows, key=lambda f: (FUNDS.index(f.fund), f.county, f.direction, f.item))
    fields = {
        "month": csvtext.strings([month.label] * len(flows)),
        "fund_code": csvtext.strings([f.fund for f in flows]),
        "county_code": csvtext.strings([county_codes[f.county] for f in flows]),
        "direction": csvtext.strings([f.direction for f in flows]),
        "item": csvtext.strings([f.item for f in flows]),
        "amount": csvtext.amounts(np.array([f.cents for f in flows], dtype=np.int64)),
    }
    source = SOURCES["fund_flows"]
    return csvtext.write_csv(out / source.file_name(month.label), source.column_names, fields, len(flows))


def write_opening_balances(out: Path, first: Month, opening: dict[str, int]) -> int:
    fields = {
        "fund_code": csvtext.strings(list(FUNDS)),
        "as_of_month": csvtext.strings([first.label] * len(FUNDS)),
        "opening_balance": csvtext.amounts(np.array([opening[f] for f in FUNDS], dtype=np.int64)),
    }
    source = SOURCES["fund_opening_balance"]
    return csvtext.write_csv(out / source.file_name(), source.column_names, fields, len(FUNDS))
