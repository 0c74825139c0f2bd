"""inspection/YYYY-MM.csv (稽核檢查): the month's inspections and their outcome.

Routine, complaint, anomaly and referral inspections come in proportion to the prefecture's
institutions. The first month of each half-year also brings the on-site inspections of the
working group's plan for the half-year before (DOMAIN 1; marts.inspection_plan_half_year picks
the same way): per scope — the city-managed institutions, and each county's own — the
institutions on the CI usage list (top 3 in the city, top_usage_county in a county) and, in the
city, on the growth list (top 3 positive growth rates over a base of at least growth_min_base),
not inspected on site in the last twelve months, by their place on the lists, at most 6; filled
up to 3 with the scope's other CI users by usage, then its other pooled-fund users by spending,
recently inspected ones last. Most of the plan is carried out (PLAN_INSPECTED_SHARE).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from orchestration.sources import SOURCES

from . import csvtext, parameters as p
from .months import Month
from .policy import INSPECTION_LOOKBACK_DAYS, INSPECTION_PLAN, TOP_GROWTH_CITY, TOP_USAGE_CITY
from .randomness import choose
from .reference import Institutions

ONSITE_KINDS = ("onsite", "special", "joint_patrol", "flying")
PaidByHalf = dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]  # (year, half) → (CI, pooled fund) cents


@dataclass
class InspectionState:
    last_onsite: np.ndarray  # day per institution, -1 when never

    @classmethod
    def start(cls, institutions: Institutions) -> InspectionState:
        return cls(np.full(len(institutions), -1, dtype=np.int64))


def month_inspections(institutions: Institutions, month: Month, last_day: int, paid_by_half: PaidByHalf,
                      state: InspectionState, policy: dict[str, int], rng: np.random.Generator) -> list[dict]:
    """The month's inspections by date; `last_day` is the last generated day (later closings
    stay open); `paid_by_half` holds the CI and pooled-fund payments per half-year and
    institution; `policy` the written policy parameters the plan uses."""
    picked = [i for i in _half_year_plan(institutions, month, paid_by_half, state, policy)
              if rng.random() < p.PLAN_INSPECTED_SHARE]
    count = int(rng.poisson(p.INSPECTIONS_PER_INSTITUTION_YEAR * institutions.local.sum() / 12))
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


def _half_year_plan(institutions: Institutions, month: Month, paid_by_half: PaidByHalf, state: InspectionState,
                    policy: dict[str, int]) -> list[int]:
    """The working group's plan for the half-year before `month`, drawn in its first month."""
    previous = (month.year - 1, 1) if month.number == 1 else (month.year, 0)
    if month.number not in (1, 7) or previous not in paid_by_half:
        return []
    usage, pooled = (np.where(institutions.local, paid, 0) for paid in paid_by_half[previous])
    base = paid_by_half.get((previous[0] - 1, previous[1]), (np.zeros(len(usage)),))[0]
    growth = np.where(base >= policy["growth_min_base"] * 100, usage / np.maximum(base, 1) - 1, np.nan)
    county_managed = np.array([m == "county" for m in institutions.managed_by])
    scopes = np.where(county_managed, institutions.county, -1)  # -1: the city-managed ones
    active = (usage > 0) | (pooled > 0)
    plan = []
    for scope in np.unique(scopes[active]):
        members = np.flatnonzero(active & (scopes == scope))
        plan += _scope_plan(members, usage, pooled, growth if scope < 0 else np.full(len(usage), np.nan),
                            state.last_onsite, month.first_day - INSPECTION_LOOKBACK_DAYS,
                            TOP_USAGE_CITY if scope < 0 else policy["top_usage_county"], institutions.codes)
    return sorted(plan)


def _scope_plan(members: np.ndarray, usage: np.ndarray, pooled: np.ndarray, growth: np.ndarray,
                last_onsite: np.ndarray, recent_from: int, top_usage: int, codes: list[str]) -> list[int]:
    """The picks of one scope: candidates by their best place on the usage and growth lists (the
    usage list first at the same place), at most INSPECTION_PLAN[1]; up to INSPECTION_PLAN[0]
    with the other CI users by usage, then the pooled-fund users by spending, then the ones
    inspected on site since `recent_from`, the longest ago first."""
    recent = last_onsite >= recent_from
    by_usage = sorted((i for i in members if usage[i] > 0), key=lambda i: (-usage[i], codes[i]))
    growing = sorted((i for i in members if growth[i] > 0), key=lambda i: (-growth[i], codes[i]))
    place = {i: (rank, 0) for rank, i in enumerate(by_usage[:top_usage])}
    for rank, i in enumerate(growing[:TOP_GROWTH_CITY]):
        place[i] = min(place.get(i, (rank, 1)), (rank, 1))
    candidates = sorted((i for i in place if not recent[i]), key=lambda i: (place[i], codes[i]))
    picks = candidates[:INSPECTION_PLAN[1]]
    others = ([i for i in by_usage if i not in picks and not recent[i]]
              + sorted((i for i in members if usage[i] <= 0 and not recent[i]), key=lambda i: (-pooled[i], codes[i]))
              + sorted((i for i in members if recent[i]), key=lambda i: (last_onsite[i], -usage[i], -pooled[i])))
    return [int(i) for i in picks + others[:max(0, INSPECTION_PLAN[0] - len(picks))]]


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
