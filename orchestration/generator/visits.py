"""Who seeks care in a month, for what, and where (before anything is priced)."""

from __future__ import annotations

import numpy as np

from . import parameters as p
from .columns import Columns
from .months import Month, random_days
from .population import SEASONAL_STREAMS, STREAM_VISIT_TYPE, STREAMS
from .randomness import choose, choose_per_group
from .reference import Institutions
from .world import World


def draw_visits(world: World, month: Month, rng: np.random.Generator) -> Columns:
    """The month's visits, in no particular order: person, scheme, visit type, diagnosis row,
    institution, out-of-area flag, doctor and settlement day."""
    person, stream = _persons(world, month, rng)
    population = world.population
    visit_type = np.array(STREAM_VISIT_TYPE)[stream]
    row = _diagnosis_rows(world, person, stream, rng)
    severity = world.diagnoses.severity[row]
    out_of_area = rng.random(len(person)) < _out_of_area_share(visit_type, severity)
    institution = _institutions(world, month, person, visit_type, severity, out_of_area, rng)
    return {
        "person": person,
        "scheme": population.scheme[person],
        "visit_type": visit_type,
        "row": row,
        "institution": institution,
        "out_of_area": out_of_area,
        "doctor": _doctors(world.institutions, institution, rng),
        "settlement_day": random_days(rng, month.first_day, month.days, len(person)),
    }


def _persons(world: World, month: Month, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Poisson visits per person and stream, drawn as a Poisson total spread over persons in
    proportion to their rates (the same distribution, without a draw per person)."""
    population = world.population
    active = population.active(month)
    season = p.SEASON[month.number - 1] / (sum(p.SEASON) / 12)
    persons, streams = [], []
    for index in range(len(STREAMS)):
        rate = np.where(active, population.rates[:, index], 0.0)
        if SEASONAL_STREAMS[index]:
            rate = rate * season
        count = rng.poisson(rate.sum())
        persons.append(choose(rng, rate, count))
        streams.append(np.full(count, index))
    return np.concatenate(persons), np.concatenate(streams)


def _diagnosis_rows(world: World, person: np.ndarray, stream: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Visits of persons with a condition for it use its diagnosis; others draw by age and sex."""
    diagnoses, population = world.diagnoses, world.population
    row = np.empty(len(person), dtype=np.int64)
    condition = population.condition[person]
    group = 2 * population.band[person] + population.male[person]
    for index, name in enumerate(STREAMS):
        mine = stream == index
        if name == "condition_inpatient":
            row[mine] = diagnoses.condition_inpatient_row[condition[mine]]
        elif name == "outpatient_special":
            row[mine] = diagnoses.special_row[condition[mine]]
        else:
            candidates = diagnoses.rows_of(STREAM_VISIT_TYPE[index])
            row[mine] = candidates[choose_per_group(rng, diagnoses.weights[candidates].T, group[mine])]
    return row


def _out_of_area_share(visit_type: np.ndarray, severity: np.ndarray) -> np.ndarray:
    share = np.zeros(len(visit_type))
    for index, name in enumerate(p.VISIT_TYPES):
        value = p.OUT_OF_AREA_SHARE[name]
        mine = visit_type == index
        share[mine] = np.asarray(value)[severity[mine]] if isinstance(value, tuple) else value
    return share


def _institutions(world: World, month: Month, person: np.ndarray, visit_type: np.ndarray, severity: np.ndarray,
                  out_of_area: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    institutions = world.institutions
    county = world.population.county[person]
    chosen = np.empty(len(person), dtype=np.int64)
    for (type_name, severity_name), shares in p.CLASS_SHARES.items():
        mine = (visit_type == p.VISIT_TYPES.index(type_name)) & (severity == p.SEVERITIES.index(severity_name))
        local = mine & ~out_of_area
        weights = _local_weights(institutions, len(world.counties.codes), type_name, shares, month)
        chosen[local] = choose_per_group(rng, weights, county[local])
    outside = np.flatnonzero(~institutions.local)
    for is_pharmacy in (False, True):
        mine = out_of_area & ((visit_type == p.PURCHASE) == is_pharmacy)
        candidates = outside[(np.array(institutions.types)[outside] == "pharmacy") == is_pharmacy]
        size = np.maximum(institutions.beds[candidates], 1)
        chosen[mine] = candidates[choose(rng, size, int(mine.sum()))]
    return chosen


def _local_weights(institutions: Institutions, counties: int, visit_type: str, shares: dict[int, float],
                  month: Month) -> np.ndarray:
    """(county, institution) choice weights: each class gets its share of the county's visits,
    spread over the class in proportion to size, growth and distance (another county counts less)."""
    size = institutions.beds.astype(float) if visit_type == "inpatient" else institutions.outpatient_size
    size = size * (1 + institutions.growth) ** (month.index / 12) * institutions.local
    if visit_type == "inpatient":
        size = size * np.where(institutions.suspicious, p.SUSPICIOUS_INPATIENT_WEIGHT, 1.0)
    weights = np.zeros((counties, len(institutions)))
    for klass, share in shares.items():
        member = institutions.klass == klass
        for county in range(counties):
            nearby = np.where(institutions.county == county, 1.0, p.CROSS_COUNTY_FACTOR[klass])
            attraction = size * nearby * member
            if attraction.sum() > 0:
                weights[county] += share * attraction / attraction.sum()
    return weights


def _doctors(institutions: Institutions, institution: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A doctor of the institution, or -1 where it has none (pharmacies, out-of-area care)."""
    count = institutions.doctor_count[institution]
    pick = institutions.doctor_first[institution] + (rng.random(len(institution)) * count).astype(np.int64)
    return np.where(count > 0, pick, -1)
