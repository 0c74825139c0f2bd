"""What a visit costs: total, length of stay, catalogue share and the five cost parts (in cents)."""

from __future__ import annotations

import numpy as np

from . import parameters as p
from .columns import Columns
from .months import Month
from .world import World

PARTS = ("drug_cost", "exam_cost", "treatment_cost", "material_cost", "other_cost")


def _table(values: dict[str, dict[int, tuple[float, float]]], item: int) -> np.ndarray:
    """(visit type, class) table of item 0 (mean) or 1 (sigma); NaN where a visit cannot happen."""
    table = np.full((len(p.VISIT_TYPES), len(p.CLASSES)), np.nan)
    for visit_type, by_class in values.items():
        for klass, pair in by_class.items():
            table[p.VISIT_TYPES.index(visit_type), klass] = pair[item]
    return table


_MEAN, _SIGMA = _table(p.COST, 0), _table(p.COST, 1)
_BED_DAY = np.array([p.BED_DAY_COST.get(k, np.nan) for k in range(len(p.CLASSES))])


def total_costs(world: World, visits: Columns, month: Month, rng: np.random.Generator) -> np.ndarray:
    """Lognormal around the class' mean, scaled by diagnosis, institution, scheme and year."""
    institutions = world.institutions
    klass = institutions.klass[visits["institution"]]
    mean = _MEAN[visits["visit_type"], klass]
    sigma = _SIGMA[visits["visit_type"], klass]
    scale = (world.diagnoses.cost_factor[visits["row"]] * institutions.price[visits["institution"]]
             * np.where(visits["scheme"] == p.EMPLOYEE, p.EMPLOYEE_COST_FACTOR, 1.0)
             * (1 + p.COST_GROWTH_PER_YEAR) ** (month.index / 12))
    yuan = mean * scale * rng.lognormal(-sigma ** 2 / 2, sigma)
    return np.maximum(np.round(yuan * 100), 100).astype(np.int64)


def stay_lengths(world: World, visits: Columns, rng: np.random.Generator) -> np.ndarray:
    """Days in hospital, from the cost and the class' bed-day cost; 0 for other visits."""
    klass = world.institutions.klass[visits["institution"]]
    days = visits["total_cost"] / 100 / _BED_DAY[klass] * rng.lognormal(0.0, 0.35, len(klass))
    days = np.clip(np.nan_to_num(np.round(days)), 1, p.MAX_STAY_DAYS).astype(np.int64)
    return np.where(visits["visit_type"] == p.INPATIENT, days, 0)


def eligible_costs(world: World, visits: Columns, rng: np.random.Generator) -> np.ndarray:
    share = np.empty(len(visits["total_cost"]))
    klass = world.institutions.klass[visits["institution"]]
    for index, name in enumerate(p.VISIT_TYPES):
        mine = visits["visit_type"] == index
        value = p.ELIGIBLE_SHARE[name]
        share[mine] = np.array([value.get(k, np.nan) for k in range(len(p.CLASSES))])[klass[mine]] \
            if isinstance(value, dict) else value
    share = np.clip(share * rng.uniform(1 - p.ELIGIBLE_SHARE_SPREAD, 1 + p.ELIGIBLE_SHARE_SPREAD, len(share)), 0, 1)
    return np.floor(visits["total_cost"] * share).astype(np.int64)


def cost_parts(visits: Columns, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Dirichlet shares around the visit type's mean; rounding leftovers go to the drug cost,
    so the parts add up to the total to the cent."""
    means = np.array([p.COST_PARTS[name] for name in p.VISIT_TYPES])[visits["visit_type"]]
    shares = rng.gamma(means * p.COST_PART_CONCENTRATION)
    shares /= shares.sum(axis=1, keepdims=True)
    parts = np.floor(shares * visits["total_cost"][:, None]).astype(np.int64)
    parts[:, 0] += visits["total_cost"] - parts.sum(axis=1)
    return {name: parts[:, i] for i, name in enumerate(PARTS)}
