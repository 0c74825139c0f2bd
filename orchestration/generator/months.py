"""The generated months and the day arithmetic on them (days are counted from 1970-01-01)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Month:
    index: int  # 0 for the first generated month
    year: int
    number: int  # 1..12
    first_day: int
    days: int

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.number:02d}"

    @property
    def last_day(self) -> int:
        return self.first_day + self.days - 1

    @property
    def half(self) -> int:
        return 0 if self.number <= 6 else 1


def month_range(start: str, count: int) -> list[Month]:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", start):
        raise ValueError(f"start must be YYYY-MM, not {start!r}")
    if count < 1:
        raise ValueError(f"months must be at least 1, not {count}")
    first = np.datetime64(start, "M")
    result = []
    for index in range(count):
        month = first + index
        first_day = int(month.astype("datetime64[D]").astype(np.int64))
        next_day = int((month + 1).astype("datetime64[D]").astype(np.int64))
        year, number = (int(part) for part in str(month).split("-"))
        result.append(Month(index, year, number, first_day, next_day - first_day))
    return result


def random_days(rng: np.random.Generator, first_day, days, size: int) -> np.ndarray:
    """For each of `size` rows, a uniformly drawn day in [first_day, first_day + days)."""
    return first_day + (rng.random(size) * days).astype(np.int64)


def day_number(iso_date: str) -> int:
    return int(np.datetime64(iso_date, "D").astype(np.int64))


def age_in_years(birth: np.ndarray, on_day: int) -> np.ndarray:
    """Approximate completed years of age on `on_day` (good to a day or so: enough for rates)."""
    return ((on_day - birth) / 365.2425).astype(np.int64)
