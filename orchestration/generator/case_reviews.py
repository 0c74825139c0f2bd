"""case_review/YYYY-MM.csv (協同查處): the verification of the suspicious cases.

Every case of the ground truth (anomalies.py: the settlements a screening rule must flag) is, with
REVIEW_SHARE, submitted for verification: by the insurer when CI insurance paid on it, else by the
bureau's own screening. Its materials arrive a few weeks after the settlement (CASE_RECEIPT_DAYS);
most cases are concluded within the three months the bureau has (CASE_CONCLUSION), a few later,
some are still pending when the data end. Injected cases are mostly confirmed, natural ones
(a high CI payment, a diabetic's drug cost) mostly cleared; a confirmed case's violating cost is
a share of the settlement's cost and the insurer refuses up to the CI money paid on it.

A case has a row in the month its materials were received and one in the month it was concluded
(one row when both fall in one month); every month gets a file, empty ones a header only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from orchestration.sources import SOURCES

from . import csvtext, parameters as p
from .months import Month


@dataclass(frozen=True)
class Case:
    """A settlement a screening rule must flag, as the case reviews need it."""

    settlement_id: int
    day: int  # settlement day
    total_cost: int  # cents
    ci_paid: int  # cents
    injected: bool


def write_case_reviews(out: Path, calendar: list[Month], cases: list[Case], rng: np.random.Generator) -> int:
    """Write a file per month of `calendar`; return the rows written."""
    by_month: dict[str, list[dict]] = {month.label: [] for month in calendar}
    for case in sorted(cases, key=lambda c: c.settlement_id):
        for row in _review(case, rng, calendar[-1].last_day):
            by_month[str(_month_of(row["status_day"]))].append(row)
    return sum(_write_month(out, month, by_month[month.label]) for month in calendar)


def _review(case: Case, rng: np.random.Generator, last_day: int) -> list[dict]:
    """The case's rows: none when not submitted or received after the data end."""
    if rng.random() >= p.REVIEW_SHARE:
        return []
    received = case.day + int(rng.integers(p.CASE_RECEIPT_DAYS[0], p.CASE_RECEIPT_DAYS[1] + 1))
    if received > last_day:
        return []
    timing = rng.choice(len(p.CASE_CONCLUSION), p=[share for share, _ in p.CASE_CONCLUSION])
    days = p.CASE_CONCLUSION[timing][1]
    concluded = received + int(rng.integers(days[0], days[1] + 1)) if days else last_day + 1
    row = {"settlement_id": case.settlement_id, "submitted_by": "insurer" if case.ci_paid > 0 else "bureau",
           "received_day": received, "status_day": received, "outcome": "pending", "violating": 0, "refused": 0}
    if concluded > last_day:
        return [row]
    confirmed = rng.random() < p.CONFIRMED_SHARE["injected" if case.injected else "natural"]
    violating = round(case.total_cost * rng.uniform(*p.VIOLATING_SHARE)) if confirmed else 0
    refused = round(min(violating, case.ci_paid) * rng.uniform(*p.CI_REFUSED_SHARE))
    conclusion = dict(row, status_day=concluded, outcome="confirmed" if confirmed else "cleared",
                      violating=violating, refused=refused)
    return [conclusion] if _month_of(received) == _month_of(concluded) else [row, conclusion]


def _month_of(day: int) -> np.datetime64:
    """The month of a day counted from 1970-01-01 (its str() is YYYY-MM)."""
    return (np.datetime64("1970-01-01") + np.timedelta64(day, "D")).astype("datetime64[M]")


def _write_month(out: Path, month: Month, rows: list[dict]) -> int:
    def column(key: str) -> np.ndarray:
        return np.array([row[key] for row in rows], dtype=np.int64)

    fields = {
        "settlement_id": csvtext.zero_padded(column("settlement_id"), 10, b"S"),
        "submitted_by": csvtext.strings([row["submitted_by"] for row in rows]),
        "received_date": csvtext.dates(column("received_day")),
        "status_date": csvtext.dates(column("status_day")),
        "outcome": csvtext.strings([row["outcome"] for row in rows]),
        "violating_amount": csvtext.amounts(column("violating")),
        "ci_refused_amount": csvtext.amounts(column("refused")),
    }
    source = SOURCES["case_review"]
    return csvtext.write_csv(out / source.file_name(month.label), source.column_names, fields, len(rows))
