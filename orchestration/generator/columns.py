"""A batch of rows kept as one numpy array per column."""

from __future__ import annotations

import numpy as np

Columns = dict[str, np.ndarray]


def take(columns: Columns, index: np.ndarray) -> Columns:
    return {name: values[index] for name, values in columns.items()}


def concat(parts: list[Columns]) -> Columns:
    parts = [part for part in parts if part]
    names = list(parts[0])
    return {name: np.concatenate([part[name] for part in parts]) for name in names}


def size(columns: Columns) -> int:
    return len(next(iter(columns.values()))) if columns else 0
