"""Half-years (半年度) `YYYY-H1` / `YYYY-H2`: the bulletin's periods and Dagster partitions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import psycopg

_KEY = re.compile(r"^(\d{4})-H([12])$")
FIRST_YEAR, LAST_YEAR = 2015, 2040  # the span of the monthly partitions (orchestration/defs/raw_assets.py)


@dataclass(frozen=True, order=True)
class HalfYear:
    year: int
    half: int  # 1: January to June, 2: July to December

    @classmethod
    def parse(cls, key: str) -> HalfYear:
        """`YYYY-H1` or `YYYY-H2`; a ValueError naming the expected form otherwise."""
        match = _KEY.match(key.strip())
        if not match:
            raise ValueError(f"period {key!r} is not a half-year: write YYYY-H1 or YYYY-H2, e.g. 2025-H2")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def containing(cls, day: date) -> HalfYear:
        return cls(day.year, 1 if day.month <= 6 else 2)

    def __str__(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def first_month(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def last_month(self) -> date:
        return date(self.year, 6 if self.half == 1 else 12, 1)

    @property
    def end(self) -> date:
        """The first day after the half-year."""
        return date(self.year, 7, 1) if self.half == 1 else date(self.year + 1, 1, 1)

    @property
    def months(self) -> list[date]:
        return [date(self.year, self.first_month.month + i, 1) for i in range(6)]

    @property
    def previous(self) -> HalfYear:
        return HalfYear(self.year, 1) if self.half == 2 else HalfYear(self.year - 1, 2)

    @property
    def year_earlier(self) -> HalfYear:
        """The same half of the previous year (上年同期)."""
        return HalfYear(self.year - 1, self.half)

    @property
    def label(self) -> str:
        """e.g. 2025年下半年."""
        return f"{self.year}年{'上' if self.half == 1 else '下'}半年"

    @property
    def span_label(self) -> str:
        """e.g. 2025年7月至12月."""
        return f"{self.year}年{self.first_month.month}月至{self.last_month.month}月"


def partition_keys() -> list[str]:
    return [str(HalfYear(year, half)) for year in range(FIRST_YEAR, LAST_YEAR + 1) for half in (1, 2)]


def data_months(conn: psycopg.Connection) -> tuple[date, date] | None:
    """The first and the latest month of the warehouse's data (marts.dim_months), or None."""
    if conn.execute("select to_regclass('marts.dim_months')").fetchone()[0] is None:
        return None
    first, latest = conn.execute("select min(month), max(month) from marts.dim_months").fetchone()
    return (first, latest) if latest else None


def latest_complete(conn: psycopg.Connection) -> HalfYear | None:
    """The latest half-year whose six months are all in the data, or None."""
    span = data_months(conn)
    if span is None:
        return None
    first, latest = span
    period = HalfYear.containing(latest)
    if period.last_month > latest:
        period = period.previous
    return period if period.first_month >= first else None


def require_complete(conn: psycopg.Connection, period: HalfYear) -> None:
    """A ValueError unless every month of `period` is in the data: a bulletin of part of a
    half-year would compare it with a whole half-year of the previous year."""
    span = data_months(conn)
    if span is None:
        raise ValueError("the warehouse has no data yet: run `yibao run --landing DIR` first")
    first, latest = span
    if period.first_month < first or period.last_month > latest:
        raise ValueError(f"{period} is not complete in the warehouse: its data runs from {first:%Y-%m} "
                         f"to {latest:%Y-%m}, the half-year needs {period.first_month:%Y-%m} to "
                         f"{period.last_month:%Y-%m}")
