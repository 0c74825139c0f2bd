"""Independent random streams, one per purpose and month.

Every stream is seeded from (seed, purpose, keys...), so a module's draws never depend on how
many numbers another module drew before it: changing the inspections cannot shift the
settlements, and month 7 is the same whether or not month 6 was generated in the same run.
"""

from __future__ import annotations

import numpy as np

_PURPOSES = ("institutions", "population", "settlements", "reversals", "fund_flows", "budgets",
             "inspections", "reference", "anomalies", "case_reviews")


def stream(seed: int, purpose: str, *keys: int) -> np.random.Generator:
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, not {seed}")
    return np.random.default_rng([seed, _PURPOSES.index(purpose), *keys])


def choose(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """Indices drawn with probability proportional to `weights` (inverse CDF, fast for many draws)."""
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float64)
    cdf = np.cumsum(weights)
    picked = np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right")
    return np.minimum(picked, np.flatnonzero(weights)[-1])  # a draw rounded up to the total


def choose_per_group(rng: np.random.Generator, weights: np.ndarray, group: np.ndarray) -> np.ndarray:
    """For each row, an index drawn from `weights[group[row]]` (a 2-D table of weights per group).

    All groups are drawn in one search over the cumulative sum of the flattened table: a draw
    for group g is uniform between the sums at the start and at the end of g's row.
    """
    weights = np.asarray(weights, dtype=np.float64)
    width = weights.shape[1]
    cdf = np.cumsum(weights.ravel())
    ends = cdf[width - 1::width]
    starts = np.concatenate([[0.0], ends[:-1]])
    draw = starts[group] + rng.random(len(group)) * (ends - starts)[group]
    picked = np.searchsorted(cdf, draw, side="right")
    last_positive = width - 1 - np.argmax(weights[:, ::-1] > 0, axis=1)
    return np.minimum(picked - group * width, last_positive[group])
