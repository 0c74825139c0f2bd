"""Who pays a settlement: pooled fund, CI insurance, medical assistance, personal account, cash.

Everything is in integer cents and each payer takes a part of what the previous ones left, so
the five payments add up to total_cost exactly and none is negative.
"""

from __future__ import annotations

import numpy as np

from . import parameters as p
from .columns import Columns
from .population import Population

_CI_KINDS = (p.INPATIENT, p.SPECIAL)  # care whose out-of-pocket cost counts towards CI insurance


def _by_scheme_and_class(values: dict[int, dict[int, float]]) -> np.ndarray:
    table = np.zeros((len(p.SCHEMES), len(p.CLASSES)))
    for scheme, by_class in values.items():
        for klass, value in by_class.items():
            table[scheme, klass] = value
    return table


_DEDUCTIBLE = _by_scheme_and_class(p.INPATIENT_DEDUCTIBLE) * 100
_INPATIENT_RATE = _by_scheme_and_class(p.INPATIENT_RATE_PAID)


def pay(visits: Columns, klass: np.ndarray, population: Population, ci_out_of_pocket: np.ndarray) -> None:
    """Add the five payment columns to `visits`; `ci_out_of_pocket` (cents per person, this
    year so far) is updated with the month's eligible out-of-pocket costs."""
    total, eligible = visits["total_cost"], visits["eligible_cost"]
    category = population.category[visits["person"]]
    pooled = _pooled(visits, klass, category)
    ci = _critical_illness(visits, eligible - pooled, category, ci_out_of_pocket)
    counted = np.isin(visits["visit_type"], _CI_KINDS)
    assistance_rate = np.zeros(len(total))
    for value, rate in p.ASSISTANCE_RATE.items():
        assistance_rate[category == value] = rate
    assistance = np.floor(assistance_rate * counted * (eligible - pooled - ci)).astype(np.int64)
    account_share = np.array([p.ACCOUNT_SHARE[name] for name in p.VISIT_TYPES])[visits["visit_type"]]
    account_share = account_share * (visits["scheme"] == p.EMPLOYEE)
    account = np.floor(account_share * (total - pooled - ci - assistance)).astype(np.int64)
    visits.update(pooled_fund_paid=pooled, critical_illness_paid=ci, assistance_paid=assistance,
                  account_paid=account, cash_paid=total - pooled - ci - assistance - account)


def _pooled(visits: Columns, klass: np.ndarray, category: np.ndarray) -> np.ndarray:
    """Inpatient: rate × (eligible − per-stay deductible); outpatient: rate × eligible; pharmacy: 0."""
    scheme, visit_type, eligible = visits["scheme"], visits["visit_type"], visits["eligible_cost"]
    retired_extra = np.where(category == p.RETIRED, p.RETIREE_EXTRA_RATE, 0.0)
    inpatient = np.minimum(_INPATIENT_RATE[scheme, klass] + retired_extra, 0.98) \
        * np.maximum(eligible - _DEDUCTIBLE[scheme, klass], 0)
    special = np.array([p.SPECIAL_RATE_PAID[s] for s in range(len(p.SCHEMES))])[scheme]
    primary_care = np.isin(klass, (p.PRIMARY, p.CLINIC))
    general = np.where(primary_care,
                       np.array([p.GENERAL_RATE_PAID[s]["primary"] for s in range(len(p.SCHEMES))])[scheme],
                       np.array([p.GENERAL_RATE_PAID[s]["hospital"] for s in range(len(p.SCHEMES))])[scheme])
    outpatient_penalty = np.where(visits["out_of_area"], p.OUT_OF_AREA_OUTPATIENT_PENALTY, 0.0)
    pooled = np.select(
        [visit_type == p.INPATIENT, visit_type == p.SPECIAL, visit_type == p.GENERAL],
        [inpatient, (special - outpatient_penalty) * eligible, (general - outpatient_penalty) * eligible],
        default=0.0,
    )
    return np.floor(pooled).astype(np.int64)


def _critical_illness(visits: Columns, out_of_pocket: np.ndarray, category: np.ndarray,
                      year_so_far: np.ndarray) -> np.ndarray:
    """CI insurance on residents' cumulative eligible out-of-pocket cost of the year.

    Settlements of a person are taken in date order; each pays the increase of the yearly
    benefit function between the cumulative amount before and after it.
    """
    counted = (visits["scheme"] == p.RESIDENT) & np.isin(visits["visit_type"], _CI_KINDS)
    rows = np.flatnonzero(counted)
    ci = np.zeros(len(out_of_pocket), dtype=np.int64)
    if not rows.size:
        return ci
    rows = rows[np.lexsort((visits["settlement_day"][rows], visits["person"][rows]))]
    person, amount = visits["person"][rows], out_of_pocket[rows]
    running = np.cumsum(amount)
    first = np.concatenate([[True], person[1:] != person[:-1]])
    group_start = np.flatnonzero(first)
    before_group = (running - amount)[group_start]
    after = year_so_far[person] + running - np.repeat(before_group, np.diff(np.append(group_start, len(rows))))
    before = after - amount
    poverty = np.isin(category[rows], p.POVERTY_CATEGORIES)
    ci[rows] = np.minimum(_benefit(after, poverty) - _benefit(before, poverty), amount)
    np.add.at(year_so_far, person, amount)
    return ci


def _benefit(cents: np.ndarray, poverty: np.ndarray) -> np.ndarray:
    """Cumulative CI benefit (cents) for a year's eligible out-of-pocket cost (cents)."""
    deductible = p.CI_DEDUCTIBLE * 100 * np.where(poverty, p.CI_POVERTY_DEDUCTIBLE_FACTOR, 1.0)
    extra = np.where(poverty, p.CI_POVERTY_EXTRA_RATE, 0.0)
    starts = [tier[0] * 100 for tier in p.CI_TIERS] + [np.inf]
    benefit = np.zeros(len(cents))
    for (start, rate), end in zip(p.CI_TIERS, starts[1:]):
        low = np.maximum(start * 100, deductible)
        benefit += (rate + extra) * np.clip(np.minimum(cents, end) - low, 0, None)
    benefit = np.where(poverty, benefit, np.minimum(benefit, p.CI_CAP * 100))
    return np.round(benefit).astype(np.int64)
