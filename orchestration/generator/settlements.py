"""settlement/YYYY-MM.csv: a month of settlements, from visits to the written file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from orchestration.sources import SOURCES

from . import csvtext, parameters as p
from .anomalies import RULES, add_suspicious_patterns, ground_truth
from .case_reviews import Case
from .columns import Columns, concat, size, take
from .costs import cost_parts, eligible_costs, stay_lengths, total_costs
from .enrollment import SCHEME_TABLE, person_ids
from .months import Month
from .payments import pay
from .randomness import stream
from .reversals import AMOUNTS, pick_reversals
from .stays import remember_discharges, schedule_stays
from .visits import draw_visits
from .world import World

VISIT_TYPE_TABLE = np.array([v.encode() for v in p.VISIT_TYPES], dtype="S18")


@dataclass
class SettlementState:
    """What a month needs from the months before it, and the totals later files are built from."""

    ci_out_of_pocket: np.ndarray  # cents per person in the current year, for CI insurance
    last_discharge: np.ndarray  # day per person, -1 before any stay
    diabetes_drug: np.ndarray  # cents per person in the current year: diabetic special-outpatient drugs
    diabetes_injected: np.ndarray  # bool per person: an injected diabetes_drug_cost case this year
    ci_year: int = 0
    next_id: int = 1
    carried: Columns = field(default_factory=dict)  # reversals settled in the next month
    pooled_by_year: dict[int, np.ndarray] = field(default_factory=dict)  # cents per institution
    # (CI insurance, pooled fund) cents per institution, by (year, half)
    paid_by_half: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    truth: list[tuple[str, int, str]] = field(default_factory=list)  # (rule_id, settlement id, origin)
    cases: dict[int, Case] = field(default_factory=dict)  # the truth's settlements, by id

    @classmethod
    def start(cls, persons: int) -> SettlementState:
        return cls(np.zeros(persons, dtype=np.int64), np.full(persons, -1, dtype=np.int64),
                   np.zeros(persons, dtype=np.int64), np.zeros(persons, dtype=bool))


def settle_month(world: World, state: SettlementState, month: Month) -> Columns:
    """The month's rows (new settlements and reversals) by settlement date, with their ids."""
    if month.year != state.ci_year:
        state.ci_out_of_pocket[:] = 0
        state.diabetes_drug[:] = 0
        state.diabetes_injected[:] = False
        state.ci_year = month.year
    originals = _new_settlements(world, state, month)
    following = world.calendar[month.index + 1] if month.index + 1 < len(world.calendar) else None
    same, same_rows, later, later_rows = pick_reversals(originals, month, following,
                                                        stream(world.seed, "reversals", month.index))
    batch = concat([originals, state.carried, same])
    order = np.argsort(batch["settlement_day"], kind="stable")  # a reversal stays after its original
    ids = np.empty(len(order), dtype=np.int64)
    ids[order] = state.next_id + np.arange(len(order))
    state.next_id += len(order)
    batch["settlement_id"] = ids
    batch["reversal_of"][len(batch["reversal_of"]) - len(same_rows):] = ids[same_rows]
    later["reversal_of"] = ids[later_rows]
    state.carried = later
    reversed_ = np.zeros(size(originals), dtype=bool)
    reversed_[same_rows] = reversed_[later_rows] = True
    found = ground_truth(world, originals, ids[:size(originals)], reversed_, state.diabetes_drug,
                         state.diabetes_injected)
    state.truth += found
    _remember_cases(state, originals, ids[:size(originals)], found)
    batch = take(batch, order)
    _accumulate(world, state, month, batch)
    return batch


def _new_settlements(world: World, state: SettlementState, month: Month) -> Columns:
    rng = stream(world.seed, "settlements", month.index)
    visits = draw_visits(world, month, rng)
    visits["total_cost"] = total_costs(world, visits, month, rng)
    schedule_stays(visits, stay_lengths(world, visits, rng), state.last_discharge)
    visits = add_suspicious_patterns(world, visits, month, state.last_discharge,
                                     stream(world.seed, "anomalies", month.index))
    remember_discharges(visits, state.last_discharge)
    visits["eligible_cost"] = eligible_costs(world, visits, rng)
    visits.update(cost_parts(visits, rng))
    pay(visits, world.institutions.klass[visits["institution"]], world.population, state.ci_out_of_pocket)
    visits["reversal_of"] = np.zeros(size(visits), dtype=np.int64)
    return visits


def _remember_cases(state: SettlementState, originals: Columns, ids: np.ndarray,
                    found: list[tuple[str, int, str]]) -> None:
    """Keep what the case reviews need of the settlements the rules must flag."""
    injected = {settlement_id for _, settlement_id, origin in found if origin == "injected"}
    for row in np.flatnonzero(np.isin(ids, [settlement_id for _, settlement_id, _ in found])):
        settlement_id = int(ids[row])
        state.cases[settlement_id] = Case(settlement_id, int(originals["settlement_day"][row]),
                                          int(originals["total_cost"][row]),
                                          int(originals["critical_illness_paid"][row]), settlement_id in injected)


def _accumulate(world: World, state: SettlementState, month: Month, batch: Columns) -> None:
    count = len(world.institutions)
    ci, pooled = (np.bincount(batch["institution"], weights=batch[column], minlength=count)
                  for column in ("critical_illness_paid", "pooled_fund_paid"))
    state.pooled_by_year[month.year] = state.pooled_by_year.get(month.year, 0) + pooled
    half_ci, half_pooled = state.paid_by_half.get((month.year, month.half), (0, 0))
    state.paid_by_half[(month.year, month.half)] = (half_ci + ci, half_pooled + pooled)


def fund_expenditure(batch: Columns) -> dict[str, int]:
    """Cents each fund paid through the month's settlements (reversals net out)."""
    employee = batch["scheme"] == p.EMPLOYEE
    return {
        "employee_pooled": int(batch["pooled_fund_paid"][employee].sum()),
        "resident_basic": int(batch["pooled_fund_paid"][~employee].sum()),
        "critical_illness": int(batch["critical_illness_paid"].sum()),
    }


def write_ground_truth(out: Path, truth: list[tuple[str, int, str]]) -> int:
    """_ground_truth/suspicious.csv: the settlements each screening rule must flag (anomalies.py).

    Outside the contract's folders, so the loader ignores it; tests compare it with
    marts.suspicious_settlements (recall and precision per rule).
    """
    path = out / "_ground_truth" / "suspicious.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    rules = {rule: index for index, rule in enumerate(RULES)}
    rows = sorted(set(truth), key=lambda row: (rules[row[0]], row[1]))
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("rule_id,settlement_id,origin\n")
        handle.writelines(f"{rule},S{number:010d},{origin}\n" for rule, number, origin in rows)
    return len(rows)


def write_settlements(out: Path, month: Month, batch: Columns, world: World) -> int:
    inpatient = batch["visit_type"] == p.INPATIENT
    doctors = np.append(world.institutions.doctor_codes, b"")  # index -1: no doctor
    fields = {
        "settlement_id": csvtext.zero_padded(batch["settlement_id"], 10, b"S"),
        "reversal_of": csvtext.zero_padded(batch["reversal_of"], 10, b"S", empty=batch["reversal_of"] == 0),
        "person_id": person_ids(batch["person"]),
        "institution_code": csvtext.lookup(world.institutions.code_table, batch["institution"]),
        "scheme": csvtext.lookup(SCHEME_TABLE, batch["scheme"]),
        "visit_type": csvtext.lookup(VISIT_TYPE_TABLE, batch["visit_type"]),
        "admission_date": csvtext.dates(batch["admission_day"], empty=~inpatient),
        "discharge_date": csvtext.dates(batch["discharge_day"], empty=~inpatient),
        "settlement_date": csvtext.dates(batch["settlement_day"]),
        "diagnosis_code": csvtext.lookup(world.diagnoses.codes, batch["row"]),
        **{name: csvtext.amounts(batch[name]) for name in AMOUNTS},
        "is_out_of_area": csvtext.lookup(np.array([b"0", b"1"]), batch["out_of_area"].astype(np.int64)),
        "doctor_code": csvtext.lookup(doctors, batch["doctor"]),
    }
    source = SOURCES["settlement"]
    return csvtext.write_csv(out / source.file_name(month.label), source.column_names, fields, size(batch))
