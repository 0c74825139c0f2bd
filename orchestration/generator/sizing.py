"""How many persons give a wanted number of settlements (for benchmarks)."""

from __future__ import annotations

import numpy as np

from . import parameters as p
from .diagnoses import load_conditions
from .months import month_range
from .population import SEASONAL_STREAMS, build_population
from .randomness import stream
from .reference import load_counties

_SAMPLE_PERSONS = 50_000


def settlements_per_person(months: int, start: str = "2024-01") -> float:
    """Expected settlement rows per initially enrolled person over `months` months.

    Computed from the model itself, on a sample population: the sum over months of every
    active person's visit rates (with seasonality), plus reversals. The few rows the injected
    suspicious patterns add (anomalies.py: a few dozen a month) are left out.
    """
    calendar = month_range(start, months)
    population = build_population(_SAMPLE_PERSONS, calendar, load_counties(), load_conditions(),
                                  stream(0, "population"))
    season_mean = sum(p.SEASON) / 12
    expected = 0.0
    for month in calendar:
        rates = population.rates[population.active(month)].sum(axis=0, dtype=np.float64)
        season = np.where(SEASONAL_STREAMS, p.SEASON[month.number - 1] / season_mean, 1.0)
        expected += float(rates @ season)
    return expected * (1 + p.REVERSAL_SHARE) / _SAMPLE_PERSONS


def persons_for_settlements(settlements: int, months: int = 24) -> int:
    """The --persons that yields about `settlements` settlement rows over `months` months
    (within a few per cent from about 100,000 settlements up; the default population of
    20,000 over 24 months gives ≈ 9 per person)."""
    return max(1, round(settlements / settlements_per_person(months)))
