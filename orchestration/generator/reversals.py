"""Reversals (沖正): a later row that cancels a settlement, all amounts negated.

A reversal keeps the original's person, institution, scheme, visit type, diagnosis and dates
and gets its own settlement_id; it is settled later in the same month or in the next one.
"""

from __future__ import annotations

import numpy as np

from . import parameters as p
from .columns import Columns, take
from .months import Month, random_days

AMOUNTS = ("total_cost", "eligible_cost", "drug_cost", "exam_cost", "treatment_cost", "material_cost",
           "other_cost", "pooled_fund_paid", "critical_illness_paid", "assistance_paid", "account_paid",
           "cash_paid")


def pick_reversals(originals: Columns, month: Month, next_month: Month | None,
                   rng: np.random.Generator) -> tuple[Columns, np.ndarray, Columns, np.ndarray]:
    """(same-month reversals, their originals' row numbers, next-month reversals, theirs).

    Rows marked `protected` (the injected suspicious patterns, anomalies.py) are never reversed.
    """
    chosen = np.flatnonzero((rng.random(len(originals["person"])) < p.REVERSAL_SHARE) & ~originals["protected"])
    later = rng.random(len(chosen)) < p.REVERSAL_NEXT_MONTH_SHARE if next_month else np.zeros(len(chosen), bool)
    same, carried = chosen[~later], chosen[later]
    same_month = _negated(originals, same)
    days_left = month.last_day - same_month["settlement_day"] + 1
    same_month["settlement_day"] = random_days(rng, same_month["settlement_day"], days_left, len(same))
    next_rows = _negated(originals, carried)
    if next_month is not None:
        next_rows["settlement_day"] = random_days(rng, next_month.first_day, next_month.days, len(carried))
    return same_month, same, next_rows, carried


def _negated(originals: Columns, rows: np.ndarray) -> Columns:
    reversal = take(originals, rows)
    for name in AMOUNTS:
        reversal[name] = -reversal[name]
    reversal["label"] = np.zeros(len(rows), dtype=np.int64)  # a reversal is no suspicious case
    return reversal
