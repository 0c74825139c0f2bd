"""enrollment/YYYY-MM.csv: the enrollments that start or end in the month."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from orchestration.sources import SOURCES

from . import csvtext, parameters as p
from .months import Month
from .population import Population, personal_contribution
from .reference import Counties

SCHEME_TABLE = np.array([s.encode() for s in p.SCHEMES], dtype="S8")
CATEGORY_TABLE = np.array([c.encode() for c in p.CATEGORIES], dtype="S18")
GENDER_TABLE = np.array([b"F", b"M"], dtype="S1")


def person_ids(persons: np.ndarray) -> csvtext.Field:
    """個人編號: P and ten digits."""
    return csvtext.zero_padded(persons + 1, 10, b"P")


def write_enrollment(out: Path, month: Month, population: Population, counties: Counties) -> int:
    """One row per person starting or ending in the month (a person who does both has one row)."""
    persons = np.flatnonzero((population.start_month == month.index) | (population.end_month == month.index))
    ends = population.end_month[persons] == month.index
    personal, subsidy = personal_contribution(population, persons, month.year)
    fields = {
        "person_id": person_ids(persons),
        "id_card_no": (population.id_card[persons],),
        "gender": csvtext.lookup(GENDER_TABLE, population.male[persons].astype(np.int64)),
        "birth_date": csvtext.dates(population.birth[persons]),
        "county_code": csvtext.lookup(counties.code_table, population.county[persons]),
        "scheme": csvtext.lookup(SCHEME_TABLE, population.scheme[persons]),
        "category": csvtext.lookup(CATEGORY_TABLE, population.category[persons]),
        "start_date": csvtext.dates(population.start_date[persons]),
        "end_date": csvtext.dates(population.end_date[persons], empty=~ends),
        "personal_contribution": csvtext.amounts(personal),
        "subsidy": csvtext.amounts(subsidy),
    }
    source = SOURCES["enrollment"]
    return csvtext.write_csv(out / source.file_name(month.label), source.column_names, fields, len(persons))
