"""inspection/YYYY-MM.csv (稽核檢查): a handful of inspections a month and their outcome.

Besides routine, complaint, anomaly and referral inspections, the first month of each half-year
brings the on-site inspections of 3-6 institutions picked from the previous half-year's top 10
by CI insurance usage, skipping any inspected on site in the last twelve months (DOMAIN 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from orchestration.sources import SOURCES

from . import csvtext, parameters as p
from .months import Month
from .randomness import choose
from .reference import Institutions

ONSITE_KINDS = ("onsite", "special", "joint_patrol", "flying")


@dataclass
class InspectionState:
    last_onsite: np.ndarray  # day per institution, -1 when never

    @classmethod
    def start(cls, institutions: Institutions) -> InspectionState:
        return cls(np.full(len(institutions), -1, dtype=np.int64))


def month_inspections(institutions: Institutions, month: Month, last_day: int,
                      ci_by_half: dict[tuple[int, int], np.ndarray], state: InspectionState,
                      rng: np.random.Generator) -> list[dict]:
    """The month's inspections by date; `last_day` is the last generated day (later closings stay open)."""
    picked = _half_year_selection(institutions, month, ci_by_half, state, rng)
    count = int(rng.poisson(p.INSPECTIONS_PER_MONTH))
    kinds = _draw(rng, p.INSPECTION_KINDS, count)
    triggers = _draw(rng, p.INSPECTION_TRIGGERS, count)
    targets = [_target(institutions, trigger, rng) for trigger in triggers]
    plan = [(i, "onsite", "half_year_selection") for i in picked] + list(zip(targets, kinds, triggers))
    rows = [_inspection(institutions, i, kind, trigger, month, last_day, rng) for i, kind, trigger in plan]
    rows.sort(key=lambda row: row["day"])
    for number, row in enumerate(rows, start=1):
        row["inspection_id"] = f"JC{month.year:04d}{month.number:02d}{number:03d}"
        if row["kind"] in ONSITE_KINDS:
            state.last_onsite[row["institution"]] = max(state.last_onsite[row["institution"]], row["day"])
    return rows


def _draw(rng: np.random.Generator, weights: dict[str, float], count: int) -> list[str]:
    names = list(weights)
    return [names[i] for i in choose(rng, np.array(list(weights.values())), count)]


def _half_year_selection(institutions: Institutions, month: Month, ci_by_half: dict[tuple[int, int], np.ndarray],
                         state: InspectionState, rng: np.random.Generator) -> list[int]:
    previous = (month.year - 1, 1) if month.number == 1 else (month.year, 0)
    if month.number not in (1, 7) or previous not in ci_by_half:
        return []
    usage = np.where(institutions.local, ci_by_half[previous], 0)
    ranked = sorted(np.flatnonzero(usage > 0), key=lambda i: (-usage[i], institutions.codes[i]))[:10]
    eligible = [i for i in ranked if state.last_onsite[i] < month.first_day - 365]
    count = min(len(eligible), int(rng.integers(p.HALF_YEAR_SELECTION[0], p.HALF_YEAR_SELECTION[1] + 1)))
    return sorted(int(i) for i in rng.choice(eligible, size=count, replace=False)) if count else []


def _target(institutions: Institutions, trigger: str, rng: np.random.Generator) -> int:
    weights = np.array([p.INSPECTION_WEIGHT.get(k, 0.0) for k in institutions.klass])
    if trigger == "data_anomaly":
        weights = weights * np.where(institutions.suspicious, p.ANOMALY_WEIGHT_SUSPICIOUS, 1.0)
    return int(choose(rng, weights, 1)[0])


def _finding(institutions: Institutions, institution: int, kind: str, rng: np.random.Generator) -> str:
    if institutions.suspicious[institution] and kind != "online_audit" and rng.random() < p.SUSPICIOUS_FINDING_SHARE:
        return str(rng.choice(p.BED_FINDINGS))
    weights = {f: w for f, w in p.FINDINGS.items() if institutions.beds[institution] > 0 or f not in p.BED_FINDINGS}
    return _draw(rng, weights, 1)[0]


def _gravity(finding: str) -> str:
    if finding in p.FRAUD_FINDINGS:
        return "fraud"
    return "serious" if finding in p.BED_FINDINGS else "minor"


def _inspection(institutions: Institutions, institution: int, kind: str, trigger: str, month: Month,
                last_day: int, rng: np.random.Generator) -> dict:
    day = month.first_day + int(rng.integers(month.days))
    closed = day + int(rng.integers(p.CLOSING_DAYS[0], p.CLOSING_DAYS[1] + 1))
    finding = _finding(institutions, institution, kind, rng)
    row = {"institution": institution, "day": day, "kind": kind, "trigger": trigger, "finding": finding,
           "involved": 0.0, "recovered": 0.0, "penalty": 0.0, "fine": 0.0, "action": "none", "points": 0,
           "closed": closed if closed <= last_day else -1}
    if finding == "none":
        return row
    means, sigma = p.INVOLVED_AMOUNT
    row["involved"] = round(rng.lognormal(np.log(means[institutions.types[institution]]) - sigma ** 2 / 2, sigma), 2)
    if row["closed"] < 0:
        return row  # still open: amounts recovered and sanctions come with the conclusion
    gravity = _gravity(finding)
    row["recovered"] = round(row["involved"] * rng.uniform(*p.RECOVERED_SHARE), 2)
    row["penalty"] = round(row["recovered"] * rng.uniform(*p.PENALTY_MULTIPLE[gravity]), 2)
    if rng.random() < p.FINE_SHARE[gravity]:
        row["fine"] = round(row["involved"] * rng.uniform(*p.FINE_MULTIPLE[gravity]), 2)
    row["action"] = _draw(rng, p.ACTIONS_BY_GRAVITY[gravity], 1)[0]
    row["points"] = int(rng.integers(p.DEMERIT_POINTS[gravity][0], p.DEMERIT_POINTS[gravity][1] + 1))
    return row


def write_inspections(out: Path, month: Month, rows: list[dict], institutions: Institutions) -> int:
    def cents(key: str) -> np.ndarray:
        return np.array([round(row[key] * 100) for row in rows], dtype=np.int64)

    closed = np.array([row["closed"] for row in rows], dtype=np.int64)
    fields = {
        "inspection_id": csvtext.strings([row["inspection_id"] for row in rows]),
        "institution_code": csvtext.strings([institutions.codes[row["institution"]] for row in rows]),
        "inspection_date": csvtext.dates(np.array([row["day"] for row in rows], dtype=np.int64)),
        "kind": csvtext.strings([row["kind"] for row in rows]),
        "trigger": csvtext.strings([row["trigger"] for row in rows]),
        "finding": csvtext.strings([row["finding"] for row in rows]),
        "involved_amount": csvtext.amounts(cents("involved")),
        "recovered_amount": csvtext.amounts(cents("recovered")),
        "penalty_amount": csvtext.amounts(cents("penalty")),
        "fine_amount": csvtext.amounts(cents("fine")),
        "action": csvtext.strings([row["action"] for row in rows]),
        "demerit_points": csvtext.integers(np.array([row["points"] for row in rows], dtype=np.int64)),
        "closed_date": csvtext.dates(closed, empty=closed < 0),
    }
    source = SOURCES["inspection"]
    return csvtext.write_csv(out / source.file_name(month.label), source.column_names, fields, len(rows))
