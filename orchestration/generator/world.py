"""Everything that stays fixed while the months are generated."""

from __future__ import annotations

from dataclasses import dataclass

from .diagnoses import Conditions, Diagnoses, load_conditions, load_diagnoses
from .months import Month, month_range
from .population import Population, build_population
from .randomness import stream
from .reference import Counties, Institutions, build_institutions, load_counties


@dataclass
class World:
    seed: int
    persons: int  # insured persons enrolled in the first month: what injected cases scale with
    calendar: list[Month]
    counties: Counties
    institutions: Institutions
    conditions: Conditions
    diagnoses: Diagnoses
    population: Population


def build_world(seed: int, start: str, months: int, persons: int) -> World:
    calendar = month_range(start, months)
    counties = load_counties()
    conditions = load_conditions()
    return World(
        seed=seed,
        persons=persons,
        calendar=calendar,
        counties=counties,
        institutions=build_institutions(counties, stream(seed, "institutions")),
        conditions=conditions,
        diagnoses=load_diagnoses(conditions),
        population=build_population(persons, calendar, counties, conditions, stream(seed, "population")),
    )
