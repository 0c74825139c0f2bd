"""reference/budgets.csv (總額預算): each institution's yearly pooled-fund quota.

A quota is set from the payments expected of the institution (here: what it was paid in the
generated months of the year, scaled to twelve months) times a factor drawn so that about
55 % of institutions end the year under budget, 25 % within the 10 % tolerance and 20 % over.
Out-of-area institutions and pharmacies have no quota.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from orchestration.sources import SOURCES

from . import csvtext, parameters as p
from .months import Month
from .reference import Institutions


def write_budgets(out: Path, calendar: list[Month], pooled_by_year: dict[int, np.ndarray],
                  institutions: Institutions, rng: np.random.Generator) -> int:
    years, codes, budgets = [], [], []
    controlled = institutions.local & (institutions.klass != p.PHARMACY)
    for year in sorted(pooled_by_year):
        months = sum(1 for m in calendar if m.year == year)
        expected = pooled_by_year[year] * 12 / months
        chosen = np.flatnonzero(controlled & (expected > 0))
        factor = _factors(len(chosen), rng)
        years += [year] * len(chosen)
        codes += [institutions.codes[i] for i in chosen]
        budgets.append(np.maximum(np.round(expected[chosen] * factor / 100), 1) * 100)  # whole yuan
    amounts = np.concatenate(budgets).astype(np.int64) if budgets else np.zeros(0, dtype=np.int64)
    fields = {
        "year": csvtext.integers(np.array(years, dtype=np.int64)),
        "institution_code": csvtext.strings(codes),
        "annual_budget": csvtext.amounts(amounts),
    }
    source = SOURCES["budgets"]
    return csvtext.write_csv(out / source.file_name(), source.column_names, fields, len(codes))


def _factors(count: int, rng: np.random.Generator) -> np.ndarray:
    band = rng.choice(len(p.BUDGET_FACTORS), size=count, p=[b[0] for b in p.BUDGET_FACTORS])
    low = np.array([b[1] for b in p.BUDGET_FACTORS])[band]
    high = np.array([b[2] for b in p.BUDGET_FACTORS])[band]
    return rng.uniform(low, high)
