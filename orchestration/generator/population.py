"""The insured persons: who they are, when they enroll and leave, how often they seek care."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import parameters as p
from .diagnoses import Conditions
from .idcard import id_card_numbers
from .months import Month, age_in_years, day_number, random_days
from .randomness import choose_per_group
from .reference import Counties

# Visit streams: each person has a monthly rate for each.
STREAMS = ("inpatient", "condition_inpatient", "outpatient_special", "outpatient_general", "pharmacy")
STREAM_VISIT_TYPE = (p.INPATIENT, p.INPATIENT, p.SPECIAL, p.GENERAL, p.PURCHASE)
SEASONAL_STREAMS = (True, False, False, True, False)
EMPLOYEE_INSURANCE_START = day_number("1999-01-01")  # employees' basic insurance (國發〔1998〕44號)


@dataclass
class Population:
    county: np.ndarray
    scheme: np.ndarray
    category: np.ndarray
    male: np.ndarray
    birth: np.ndarray  # day number
    band: np.ndarray  # age band at the start of the period
    condition: np.ndarray  # index into Conditions, -1 for none
    start_month: np.ndarray  # index of the month the enrollment first appears in
    start_date: np.ndarray
    end_month: np.ndarray  # index of the month it ends in; number of months when it does not end
    end_date: np.ndarray  # -1 when it does not end
    base: np.ndarray  # employees' monthly contribution base, 0 for others
    id_card: np.ndarray  # S18
    rates: np.ndarray  # (person, stream) expected visits per month

    def __len__(self) -> int:
        return len(self.county)

    def active(self, month: Month) -> np.ndarray:
        """Enrolled during the whole month: started before or in it, ending in a later month."""
        return (self.start_month <= month.index) & (self.end_month > month.index)


def build_population(persons: int, calendar: list[Month], counties: Counties, conditions: Conditions,
                     rng: np.random.Generator) -> Population:
    if persons < 1:
        raise ValueError(f"persons must be at least 1, not {persons}")
    arrivals = rng.poisson(persons * p.NEW_ENROLLEES_PER_MONTH, size=len(calendar) - 1)
    start_month = np.concatenate([np.zeros(persons, np.int64), np.repeat(np.arange(1, len(calendar)), arrivals)])
    size = len(start_month)
    newborn = (start_month > 0) & (rng.random(size) < p.NEWBORN_SHARE_OF_NEW)
    county = rng.choice(len(counties.codes), size=size, p=counties.census_share)
    scheme = np.where(~newborn & (rng.random(size) < counties.employee_share[county]), p.EMPLOYEE, p.RESIDENT)
    category = _categories(scheme, rng)
    male = rng.random(size) < np.where(scheme == p.EMPLOYEE, p.MALE_SHARE[p.EMPLOYEE], p.MALE_SHARE[p.RESIDENT])
    first_days, days = np.array([m.first_day for m in calendar]), np.array([m.days for m in calendar])
    arrival_day = random_days(rng, first_days[start_month], days[start_month], size)
    birth = _birth_dates(scheme, category, newborn, arrival_day, rng)
    start_date = _start_dates(scheme, start_month, birth, arrival_day, calendar[0], rng)
    band = _bands(age_in_years(birth, calendar[0].first_day))
    end_month, end_date = _exits(band, start_month, start_date, calendar, rng)
    condition = _conditions(band, male, conditions, rng)
    base = np.where((scheme == p.EMPLOYEE) & (category == p.ORDINARY), _contribution_base(size, rng), 0.0)
    population = Population(county, scheme, category, male, birth, band, condition, start_month, start_date,
                            end_month, end_date, base, _id_cards(county, birth, male, counties, rng),
                            np.empty((0, len(STREAMS))))
    population.rates = visit_rates(population, conditions)
    return population


def _categories(scheme: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    category = np.full(len(scheme), p.ORDINARY)
    employee = scheme == p.EMPLOYEE
    category[employee & (rng.random(len(scheme)) < p.RETIRED_SHARE_OF_EMPLOYEES)] = p.RETIRED
    draw = rng.random(len(scheme))
    lower = 0.0
    for value, share in p.RESIDENT_CATEGORY_SHARES.items():
        category[~employee & (draw >= lower) & (draw < lower + share)] = value
        lower += share
    return category


def _birth_dates(scheme: np.ndarray, category: np.ndarray, newborn: np.ndarray, reference_day: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    size = len(scheme)
    bands = p.RESIDENT_AGE_BANDS
    band = rng.choice(len(bands), size=size, p=[b[2] for b in bands])
    low, high = np.array([b[0] for b in bands])[band], np.array([b[1] for b in bands])[band]
    age = low + rng.random(size) * (high - low)
    age = np.where(scheme == p.EMPLOYEE, 20 + rng.random(size) * 40, age)
    age = np.where(category == p.RETIRED, np.minimum(55 + rng.exponential(10, size), 99), age)
    birth = reference_day - (age * 365.2425).astype(np.int64)
    # newborns enroll within three weeks of their birth
    return np.where(newborn, reference_day - (rng.random(size) * 20).astype(np.int64), birth)


def _start_dates(scheme: np.ndarray, start_month: np.ndarray, birth: np.ndarray, arrival_day: np.ndarray,
                 first: Month, rng: np.random.Generator) -> np.ndarray:
    """New enrollees start on their arrival day. Those enrolled at the start: residents since the
    1st of January of the first year (or birth), employees since a day between their 18th
    birthday (or 1999) and the first month."""
    year_start = day_number(f"{first.year}-01-01")
    resident = np.maximum(year_start, birth)
    earliest = np.maximum(birth + int(18 * 365.2425), EMPLOYEE_INSURANCE_START)
    employee = earliest + (rng.random(len(birth)) * np.maximum(first.first_day - earliest, 0)).astype(np.int64)
    initial = np.where(scheme == p.EMPLOYEE, np.minimum(employee, first.first_day), resident)
    return np.where(start_month == 0, initial, arrival_day)


def _bands(age: np.ndarray) -> np.ndarray:
    return np.digitize(age, [15, 60])


def _exits(band: np.ndarray, start_month: np.ndarray, start_date: np.ndarray, calendar: list[Month],
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    hazard = np.array([p.MONTHLY_EXIT[b] for b in p.AGE_BANDS])[band]
    end_month = np.minimum(start_month + rng.geometric(hazard), len(calendar))
    ends = end_month < len(calendar)
    first_days = np.array([m.first_day for m in calendar] + [0])
    days = np.array([m.days for m in calendar] + [1])
    end_date = np.where(ends, random_days(rng, first_days[end_month], days[end_month], len(band)), -1)
    return end_month, np.where(ends, np.maximum(end_date, start_date), -1)


def _conditions(band: np.ndarray, male: np.ndarray, conditions: Conditions, rng: np.random.Generator) -> np.ndarray:
    prevalence = np.array([p.CONDITION_PREVALENCE[b] for b in p.AGE_BANDS])[band]
    has = rng.random(len(band)) < prevalence
    group = 2 * band + male
    which = choose_per_group(rng, conditions.weights.T, group)
    return np.where(has, which, -1)


def _contribution_base(size: int, rng: np.random.Generator) -> np.ndarray:
    mean, sigma, floor = p.EMPLOYEE_BASE
    return np.maximum(rng.lognormal(np.log(mean) - sigma ** 2 / 2, sigma, size), floor)


def _id_cards(county: np.ndarray, birth: np.ndarray, male: np.ndarray, counties: Counties,
              rng: np.random.Generator) -> np.ndarray:
    """Unique numbers: persons sharing county, birth day and sex get consecutive sequences
    from a random start, odd for men and even for women."""
    order = np.lexsort((male, birth, county))
    key = np.stack([county[order], birth[order], male[order]])
    new_group = np.concatenate([[True], (key[:, 1:] != key[:, :-1]).any(axis=0)])
    group_start = np.flatnonzero(new_group)
    group = np.cumsum(new_group) - 1
    rank = np.arange(len(order)) - group_start[group]
    offset = rng.integers(0, 200, size=len(group_start))[group]
    sequence = np.empty(len(order), dtype=np.int64)
    sequence[order] = 2 * (rank + offset) + male[order]
    return id_card_numbers(counties.code_table[county], birth, sequence)


def visit_rates(population: Population, conditions: Conditions) -> np.ndarray:
    """Expected visits per month of each person in each stream (before seasonality)."""
    band, scheme, category = population.band, population.scheme, population.category
    employee = scheme == p.EMPLOYEE
    retired = category == p.RETIRED
    poverty = np.isin(category, p.POVERTY_CATEGORIES)
    has_condition = population.condition >= 0
    condition = np.maximum(population.condition, 0)

    inpatient = np.array([p.INPATIENT_RATE[b] for b in p.AGE_BANDS])[band]
    inpatient = np.where(employee, np.where(retired, p.INPATIENT_RATE_EMPLOYEE[p.RETIRED],
                                            p.INPATIENT_RATE_EMPLOYEE[p.ORDINARY]), inpatient)
    inpatient = inpatient * np.where(poverty, p.POVERTY_INPATIENT_FACTOR, 1.0)
    general = np.array([p.GENERAL_OUTPATIENT_RATE[b] for b in p.AGE_BANDS])[band]
    general = np.where(employee, np.where(retired, p.GENERAL_OUTPATIENT_RATE_EMPLOYEE[p.RETIRED],
                                          p.GENERAL_OUTPATIENT_RATE_EMPLOYEE[p.ORDINARY]), general)
    pharmacy = np.where(employee, np.where(retired, p.PHARMACY_RATE_EMPLOYEE[p.RETIRED],
                                           p.PHARMACY_RATE_EMPLOYEE[p.ORDINARY]), 0.0)
    rates = np.stack([
        inpatient / 12,
        np.where(has_condition, conditions.inpatient_per_year[condition] / 12, 0.0),
        np.where(has_condition, conditions.visits_per_month[condition], 0.0),
        general / 12,
        pharmacy / 12,
    ], axis=1)
    return rates.astype(np.float32)


def personal_contribution(population: Population, persons: np.ndarray, year: int) -> tuple[np.ndarray, np.ndarray]:
    """Yearly personal contribution and fiscal subsidy of `persons`, in cents.

    Residents: the year's contribution, of which poverty groups pay a share and assistance the
    rest (shown as subsidy). Employees: 2 % of the contribution base; retirees pay nothing.
    """
    contribution, subsidy = resident_financing(year)
    category = population.category[persons]
    share = np.ones(len(persons))
    for value, paid in p.SUBSIDISED_CONTRIBUTION_SHARE.items():
        share[category == value] = paid
    resident = population.scheme[persons] == p.RESIDENT
    employee_personal = population.base[persons] * 12 * p.PERSONAL_RATE
    personal = np.where(resident, contribution * share, employee_personal)
    fiscal = np.where(resident, subsidy + contribution * (1 - share), 0.0)
    return np.round(personal * 100).astype(np.int64), np.round(fiscal * 100).astype(np.int64)


def resident_financing(year: int) -> tuple[float, float]:
    nearest = min(p.RESIDENT_FINANCING, key=lambda known: abs(known - year))
    return p.RESIDENT_FINANCING[nearest]
