"""ICD-10 diagnoses (seeds/diagnoses.csv): which visits they occur in, how severe and costly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import parameters as p
from .seeds import read


@dataclass(frozen=True)
class Conditions:
    """Chronic and special diseases (門診慢特病): the outpatient_special rows of diagnoses.csv."""

    codes: list[str]
    weights: np.ndarray  # (condition, age band × sex): prevalence weights
    visits_per_month: np.ndarray
    inpatient_per_year: np.ndarray
    inpatient_codes: list[str]


def load_conditions() -> Conditions:
    rows = [r for r in read("diagnoses") if r["visit_type"] == "outpatient_special"]
    return Conditions(
        codes=[r["code"] for r in rows],
        weights=band_sex_weights(rows),
        visits_per_month=np.array([float(r["visits_per_month"]) for r in rows]),
        inpatient_per_year=np.array([float(r["inpatient_per_year"]) for r in rows]),
        inpatient_codes=[r["inpatient_code"] for r in rows],
    )


def band_sex_weights(rows: list[dict[str, str]]) -> np.ndarray:
    """Weights per row for the six groups band × sex (group = 2 × band + male)."""
    weights = np.zeros((len(rows), 6))
    for i, row in enumerate(rows):
        for band, name in enumerate(p.AGE_BANDS):
            for male in (0, 1):
                allowed = row["sex"] == "" or row["sex"] == ("M" if male else "F")
                weights[i, 2 * band + male] = float(row[f"weight_{name}"]) if allowed else 0.0
    return weights


@dataclass(frozen=True)
class Diagnoses:
    codes: np.ndarray  # S6, one per row of diagnoses.csv (a code may occur in several visit types)
    visit_type: np.ndarray
    severity: np.ndarray
    cost_factor: np.ndarray
    weights: np.ndarray  # (row, age band × sex)
    special_row: np.ndarray  # condition index → its outpatient_special row
    condition_inpatient_row: np.ndarray  # condition index → the inpatient row of its stays

    def rows_of(self, visit_type: int) -> np.ndarray:
        return np.flatnonzero(self.visit_type == visit_type)


def load_diagnoses(conditions: Conditions) -> Diagnoses:
    rows = read("diagnoses")
    visit_type = np.array([p.VISIT_TYPES.index(r["visit_type"]) for r in rows])
    codes = [r["code"] for r in rows]

    def row_of(code: str, kind: int) -> int:
        return next(i for i, r in enumerate(codes) if r == code and visit_type[i] == kind)

    return Diagnoses(
        codes=np.array([c.encode() for c in codes], dtype="S6"),
        visit_type=visit_type,
        severity=np.array([p.SEVERITIES.index(r["severity"]) for r in rows]),
        cost_factor=np.array([float(r["cost_factor"]) for r in rows]),
        weights=band_sex_weights(rows),
        special_row=np.array([row_of(c, p.SPECIAL) for c in conditions.codes]),
        condition_inpatient_row=np.array([row_of(c, p.INPATIENT) for c in conditions.inpatient_codes]),
    )
