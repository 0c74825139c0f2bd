"""The irregular patterns of a few private hospitals (DOMAIN requirement 5).

Their stays are often billed at a near-identical package amount (出院報銷金額接近) and some
patients are readmitted for the same diagnosis a few days after discharge (分解住院), which
is what the readmission and near-identical-amount screening rules look for.
"""

from __future__ import annotations

import numpy as np

from . import parameters as p
from .columns import Columns, concat, take
from .months import Month
from .world import World

PACKAGE_YUAN = 2800  # the package amount at a price level of 1


def add_suspicious_patterns(world: World, visits: Columns, month: Month, rng: np.random.Generator) -> Columns:
    institutions = world.institutions
    stays = (visits["visit_type"] == p.INPATIENT) & institutions.suspicious[visits["institution"]]
    package = np.round(PACKAGE_YUAN * institutions.price[visits["institution"]] * 100)
    packaged = stays & (rng.random(len(stays)) < p.SUSPICIOUS_PACKAGE_SHARE)
    visits["total_cost"] = np.where(packaged, _near(package, rng), visits["total_cost"])
    return concat([visits, _readmissions(visits, stays, package, month, rng)])


def _near(amount: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.round(amount * rng.uniform(0.995, 1.005, len(amount))).astype(np.int64)


def _readmissions(visits: Columns, stays: np.ndarray, package: np.ndarray, month: Month,
                  rng: np.random.Generator) -> Columns:
    """Copies of some stays that start 1-7 days after their discharge and end within the month."""
    gap = rng.integers(1, 8, len(stays))
    length = rng.integers(5, 9, len(stays))
    admission = visits["discharge_day"] + gap
    fits = stays & (rng.random(len(stays)) < p.SUSPICIOUS_READMISSION_SHARE) & (admission + length <= month.last_day)
    chosen = np.flatnonzero(fits)
    again = take(visits, chosen)
    again["admission_day"] = admission[chosen]
    again["discharge_day"] = again["settlement_day"] = admission[chosen] + length[chosen]
    again["total_cost"] = _near(package[chosen], rng)
    return again
