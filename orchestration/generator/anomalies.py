"""Suspicious patterns injected into a month's settlements: cases of every screening rule.

Each rule of marts.suspicious_settlements (DOMAIN requirements 3, 5 and 7) gets cases in
proportion to the insured persons (parameters.PATTERN_CASES, at least one a year; `cases_in_month`),
most of them at the few `suspicious` private hospitals:

- ci_high_cost: a resident's stay out of area (else at a level-3 hospital) costs 300,000-400,000
  yuan, which makes CI insurance pay ≥ 30,000 yuan (3萬元以上的高額費用病例);
- readmission: a copy of a stay at the same hospital, admitted 1-7 days after its discharge for
  the same diagnosis (分解住院), for 15 % of the suspicious hospitals' stays and at least the
  month's cases;
- overlapping_stays: a person in hospital is admitted elsewhere before the discharge;
- frequent_admissions: one person has five short stays of different diagnoses (住院頻次較高);
- same_day_admissions: a group admission at a suspicious hospital (入院時間較為集中);
- near_identical_amounts: at one suspicious hospital, half of the month's stays (at least six)
  are billed at its package amount ± 0.5 % (出院報銷金額接近);
- long_stay: a township-centre or level-1 stay is stretched to ≥ 5 times its expected length
  at an unchanged cost (掛床住院: days without service or charge);
- diabetes_drug_cost: a diabetic gets two special-outpatient settlements of 8,000-10,000 yuan,
  pushing the year's drug cost above 10,000 yuan.

Rows a pattern creates or changes carry the rule's bit in `label`: the settlements the rule
must flag. They, and the stays they are measured against, are `protected` from reversal, so a
rule evaluated on unreversed settlements sees them. Injected stays lie more than 16 days after
the person's previous discharge and overlap none of the person's stays (but for the overlapping
pair), and a person takes part in at most one pattern a month, so a pattern does not trigger
another rule by accident. settlements.py turns the labels into _ground_truth/suspicious.csv.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import floor

import numpy as np

from . import parameters as p
from .columns import Columns, concat, size, take
from .months import Month
from .world import World

RULES = ("ci_high_cost", "readmission", "overlapping_stays", "frequent_admissions", "same_day_admissions",
         "near_identical_amounts", "long_stay", "diabetes_drug_cost")
BIT = {rule: 1 << index for index, rule in enumerate(RULES)}
DIABETES_CODES = (b"E10", b"E11", b"E12", b"E13", b"E14")  # 糖尿病, ICD-10 E10-E14
_QUIET_DAYS = 16  # an injected stay begins this many days or more after the person's last discharge
_NOT_READMISSIONS = [code.encode() for code in p.READMISSION_EXCLUDED_DIAGNOSES]
_BED_DAY = np.array([p.BED_DAY_COST.get(k, np.nan) for k in range(len(p.CLASSES))])
_STAY_COST = np.array([p.COST["inpatient"].get(k, (np.nan, 0))[0] for k in range(len(p.CLASSES))])


@dataclass
class _Month:
    world: World
    month: Month
    rng: np.random.Generator
    last_discharge: np.ndarray  # day per person, before this month
    stays: np.ndarray  # the month's natural stays per person
    taken: np.ndarray  # bool per person: already part of a pattern this month


def add_suspicious_patterns(world: World, visits: Columns, month: Month, last_discharge: np.ndarray,
                            rng: np.random.Generator) -> Columns:
    """The month's visits with the injected patterns, and the columns `label` and `protected`."""
    persons = len(world.population)
    inpatient = visits["visit_type"] == p.INPATIENT
    visits["label"] = np.zeros(size(visits), dtype=np.int64)
    visits["protected"] = np.zeros(size(visits), dtype=bool)
    ctx = _Month(world, month, rng, last_discharge, np.bincount(visits["person"][inpatient], minlength=persons),
                 np.zeros(persons, dtype=bool))
    visits = concat([visits, _readmissions(ctx, visits, cases_in_month("readmission", world.persons, month.index))])
    for rule, inject in (("overlapping_stays", _overlapping_stay), ("long_stay", _hanging_bed),
                         ("ci_high_cost", _high_cost_case), ("frequent_admissions", _frequent_admissions),
                         ("same_day_admissions", _group_admission), ("near_identical_amounts", _package_amounts),
                         ("diabetes_drug_cost", _diabetes_drugs)):
        for _ in range(cases_in_month(rule, world.persons, month.index)):
            visits = concat([visits, inject(ctx, visits)])
    return visits


def cases_in_month(rule: str, persons: int, index: int) -> int:
    """How many cases of `rule` month `index` gets: PATTERN_CASES[rule] per 100,000 persons a
    month, at least one a year, as whole cases spread evenly (a rate of 0.25 gives one every
    fourth month); each rule is offset by its place in RULES, so they do not all come at once."""
    rate = max(p.PATTERN_CASES[rule] * persons / 100_000, 1 / 12)
    offset = RULES.index(rule) / len(RULES)
    return floor(rate * (index + 1) + offset) - floor(rate * index + offset)


def _natural_stays(ctx: _Month, visits: Columns) -> np.ndarray:
    """Stays not yet touched, at a local institution, of persons with no other stay this month."""
    person = visits["person"]
    return ((visits["visit_type"] == p.INPATIENT) & (visits["label"] == 0) & ~visits["protected"]
            & ctx.world.institutions.local[visits["institution"]] & (ctx.stays[person] == 1) & ~ctx.taken[person])


def _pick(ctx: _Month, candidates: np.ndarray, count: int = 1) -> np.ndarray:
    candidates = np.flatnonzero(candidates)
    return ctx.rng.choice(candidates, size=min(count, len(candidates)), replace=False)


def _mark(ctx: _Month, visits: Columns, rows: np.ndarray, rule: str) -> None:
    visits["label"][rows] |= BIT[rule]
    visits["protected"][rows] = True
    ctx.taken[visits["person"][rows]] = True


def _fresh_persons(ctx: _Month, count: int) -> np.ndarray:
    """Elderly or poverty-group persons (DOMAIN 5's focus) enrolled all month, with no stay this
    month nor in the 16 days before it, not yet part of a pattern."""
    population, month = ctx.world.population, ctx.month
    focus = (population.band == p.AGE_BANDS.index("elderly")) | np.isin(population.category, p.POVERTY_CATEGORIES)
    free = (population.active(month) & (population.start_date <= month.first_day) & focus & (ctx.stays == 0)
            & ~ctx.taken & (ctx.last_discharge < month.first_day - _QUIET_DAYS))
    chosen = _pick(ctx, free, count)
    ctx.taken[chosen] = True
    return chosen


def _mild_rows(ctx: _Month) -> np.ndarray:
    """Inpatient diagnoses of mild cases that elderly men and women both have (one per 3-character code)."""
    diagnoses = ctx.world.diagnoses
    elderly = 2 * p.AGE_BANDS.index("elderly")
    rows = np.flatnonzero((diagnoses.visit_type == p.INPATIENT) & (diagnoses.severity == p.SEVERITIES.index("mild"))
                          & (diagnoses.weights[:, elderly] > 0) & (diagnoses.weights[:, elderly + 1] > 0))
    _, first = np.unique([code[:3] for code in diagnoses.codes[rows]], return_index=True)
    return rows[np.sort(first)]


def _stay_cost(ctx: _Month, institution: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Cents: the class' bed-day cost × days (at least one) × 0.8-1.25, an unremarkable stay."""
    bed_day = _BED_DAY[ctx.world.institutions.klass[institution]]
    yuan = bed_day * np.maximum(days, 1) * ctx.rng.uniform(0.8, 1.25, len(institution))
    return np.round(yuan * 100).astype(np.int64)


def _new_rows(ctx: _Month, template: Columns, rule: str, person, institution, visit_type: int, row,
              settlement_day, cost, admission=None) -> Columns:
    """Visits built from scratch, labelled `rule`; stays are settled on their discharge day."""
    count = len(person)
    institutions = ctx.world.institutions
    doctors = institutions.doctor_count[institution]
    doctor = np.where(doctors > 0, institutions.doctor_first[institution]
                      + (ctx.rng.random(count) * doctors).astype(np.int64), -1)
    stay = visit_type == p.INPATIENT
    columns = {
        "person": person, "scheme": ctx.world.population.scheme[person], "visit_type": np.full(count, visit_type),
        "row": row, "institution": institution, "out_of_area": np.zeros(count, dtype=bool), "doctor": doctor,
        "settlement_day": settlement_day, "total_cost": cost,
        "admission_day": admission if stay else np.full(count, -1),
        "discharge_day": settlement_day if stay else np.full(count, -1),
        "label": np.full(count, BIT[rule]), "protected": np.ones(count, dtype=bool),
    }
    assert set(columns) == set(template), set(columns) ^ set(template)
    return {name: np.broadcast_to(np.asarray(columns[name]), (count,)).astype(template[name].dtype)
            for name in template}


def _readmissions(ctx: _Month, visits: Columns, minimum: int) -> Columns:
    """Split admissions: copies of stays at suspicious hospitals, admitted at the same hospital
    1-7 days after discharge; at least `minimum` of them, elsewhere if need be."""
    rng, count = ctx.rng, size(visits)
    gap = rng.integers(p.READMISSION_GAP[0], p.READMISSION_GAP[1] + 1, count)
    length = rng.integers(5, 9, count)
    admission = visits["discharge_day"] + gap
    excluded = np.array([code[:3] in _NOT_READMISSIONS for code in ctx.world.diagnoses.codes])
    fits = _natural_stays(ctx, visits) & (admission + length <= ctx.month.last_day) & ~excluded[visits["row"]]
    at_suspicious = fits & ctx.world.institutions.suspicious[visits["institution"]]
    chosen = np.flatnonzero(at_suspicious & (rng.random(count) < p.SUSPICIOUS_READMISSION_SHARE))
    if chosen.size < minimum:
        others = fits & ~np.isin(np.arange(count), chosen)
        more = _pick(ctx, others & at_suspicious, minimum - chosen.size)
        more = np.concatenate([more, _pick(ctx, others & ~at_suspicious, minimum - chosen.size - more.size)])
        chosen = np.sort(np.concatenate([chosen, more]))
    again = take(visits, chosen)
    again["admission_day"] = admission[chosen]
    again["discharge_day"] = again["settlement_day"] = admission[chosen] + length[chosen]
    again["total_cost"] = _stay_cost(ctx, again["institution"], length[chosen])
    again["label"][:] = BIT["readmission"]
    again["protected"][:] = True
    visits["protected"][chosen] = True  # the first stay: the readmission is measured against it
    ctx.taken[visits["person"][chosen]] = True
    return again


def _overlapping_stay(ctx: _Month, visits: Columns) -> Columns:
    """A person in hospital is admitted to another hospital before being discharged: both stays."""
    institutions, month, rng = ctx.world.institutions, ctx.month, ctx.rng
    chosen = _pick(ctx, _natural_stays(ctx, visits) & (visits["discharge_day"] - visits["admission_day"] >= 2))
    if not chosen.size:
        return {}
    first = chosen[0]
    admitted, discharged = visits["admission_day"][first], visits["discharge_day"][first]
    elsewhere = np.flatnonzero(institutions.local & (institutions.beds > 0)
                               & np.isin(institutions.klass, (p.LEVEL2, p.LEVEL1, p.PRIMARY))
                               & (np.arange(len(institutions)) != visits["institution"][first]))
    institution = rng.choice(elsewhere, size=1)
    admission = rng.integers(max(admitted, month.first_day - 3), discharged, size=1)
    discharge = np.clip(admission + rng.integers(1, 6, size=1), month.first_day, month.last_day)
    codes = ctx.world.diagnoses.codes
    rows = [r for r in _mild_rows(ctx) if codes[r][:3] != codes[visits["row"][first]][:3]]
    second = _new_rows(ctx, visits, "overlapping_stays", visits["person"][chosen], institution, p.INPATIENT,
                       rng.choice(rows, size=1), discharge, _stay_cost(ctx, institution, discharge - admission),
                       admission)
    _mark(ctx, visits, chosen, "overlapping_stays")
    return second


def _hanging_bed(ctx: _Month, visits: Columns) -> Columns:
    """A stay at a township centre or level-1 hospital stretched back to ≥ 5 × its expected
    length (of its diagnosis and of its own cost) at the same cost: a low cost per bed-day."""
    world = ctx.world
    klass = world.institutions.klass[visits["institution"]]
    codes = [code.encode() for code in p.HANGING_BED_DIAGNOSES]
    common = np.isin(world.diagnoses.codes[visits["row"]], codes) & np.isin(klass, (p.PRIMARY, p.LEVEL1))
    with np.errstate(invalid="ignore"):
        expected = _STAY_COST[klass] * world.diagnoses.cost_factor[visits["row"]] / _BED_DAY[klass]
        own = visits["total_cost"] / 100 / _BED_DAY[klass]
        length = np.ceil(p.HANGING_BED_STRETCH * np.nan_to_num(np.maximum(expected, own))).astype(np.int64)
    admission = visits["discharge_day"] - length
    person = visits["person"]
    fits = (_natural_stays(ctx, visits) & common & (ctx.last_discharge[person] < admission - _QUIET_DAYS)
            & (world.population.start_date[person] <= admission))
    chosen = _pick(ctx, fits)
    visits["admission_day"][chosen] = admission[chosen]
    _mark(ctx, visits, chosen, "long_stay")
    return {}


def _high_cost_case(ctx: _Month, visits: Columns) -> Columns:
    """A resident's stay that costs 300,000-400,000 yuan: out of area (異地就醫, where such cases
    are mostly treated), else at a level-3 hospital."""
    person = visits["person"]
    resident = ((visits["visit_type"] == p.INPATIENT) & (visits["label"] == 0) & ~visits["protected"]
                & (visits["scheme"] == p.RESIDENT) & (ctx.stays[person] == 1) & ~ctx.taken[person])
    outside = resident & visits["out_of_area"]
    level3 = resident & (ctx.world.institutions.klass[visits["institution"]] == p.LEVEL3)
    chosen = _pick(ctx, outside if outside.any() else level3)
    yuan = ctx.rng.uniform(*p.HIGH_COST_YUAN, size=len(chosen))
    visits["total_cost"][chosen] = np.round(yuan * 100).astype(np.int64)
    _mark(ctx, visits, chosen, "ci_high_cost")
    return {}


def _frequent_admissions(ctx: _Month, visits: Columns) -> Columns:
    """One person, five short stays of different diagnoses at a suspicious hospital, back to back."""
    rng, month = ctx.rng, ctx.month
    person = _fresh_persons(ctx, 1)
    if not person.size:
        return {}
    count = p.FREQUENT_ADMISSION_STAYS
    length, gap = rng.integers(2, 4, count), np.append(0, rng.integers(1, 3, count - 1))
    span = int(length.sum() + gap.sum())
    admission = month.first_day + int(rng.integers(0, month.days - span)) + np.cumsum(gap + np.append(0, length[:-1]))
    institution = np.full(count, rng.choice(np.flatnonzero(ctx.world.institutions.suspicious)))
    return _new_rows(ctx, visits, "frequent_admissions", np.repeat(person, count), institution, p.INPATIENT,
                     rng.choice(_mild_rows(ctx), size=count, replace=False), admission + length,
                     _stay_cost(ctx, institution, length), admission)


def _group_admission(ctx: _Month, visits: Columns) -> Columns:
    """Persons admitted together on one day at a suspicious hospital: at least 8, and at least
    6 × the hospital's mean daily admissions this month."""
    rng, month = ctx.rng, ctx.month
    hospital = rng.choice(np.flatnonzero(ctx.world.institutions.suspicious))
    stays = int(((visits["visit_type"] == p.INPATIENT) & (visits["institution"] == hospital)).sum())
    count = max(p.GROUP_ADMISSION_MIN, int(np.ceil(p.GROUP_ADMISSION_FACTOR * stays / month.days)))
    person = _fresh_persons(ctx, count)
    if len(person) < count:
        ctx.taken[person] = False
        return {}
    day = month.first_day + int(rng.integers(0, month.days - 8))
    length = rng.integers(3, 8, count)
    institution = np.full(count, hospital)
    return _new_rows(ctx, visits, "same_day_admissions", person, institution, p.INPATIENT,
                     rng.choice(_mild_rows(ctx), size=count), day + length, _stay_cost(ctx, institution, length),
                     np.full(count, day))


def _package_amounts(ctx: _Month, visits: Columns) -> Columns:
    """At one suspicious hospital not yet billing packages this month, max(6, half of the month's
    stays) billed at its package amount ± 0.5 %: unremarkable stays where there are, else new
    ones. Lengths follow the package."""
    institutions, rng, month = ctx.world.institutions, ctx.rng, ctx.month
    billing = np.unique(visits["institution"][(visits["label"] & BIT["near_identical_amounts"]) > 0])
    free = np.setdiff1d(np.flatnonzero(institutions.suspicious), billing)
    if not free.size:
        return {}
    hospital = rng.choice(free)
    at_hospital = (visits["visit_type"] == p.INPATIENT) & (visits["institution"] == hospital)
    target = max(p.PACKAGE_MIN_STAYS, int(np.ceil(p.PACKAGE_SHARE * at_hospital.sum())))
    person = visits["person"]
    chosen = _pick(ctx, at_hospital & (visits["label"] == 0) & ~visits["protected"] & ~ctx.taken[person], target)
    package = round(p.PACKAGE_YUAN * institutions.price[hospital] * 100)
    bed_day = _BED_DAY[institutions.klass[hospital]]

    def package_days(count: int) -> np.ndarray:
        return np.maximum(np.round(package / 100 / bed_day * rng.lognormal(0.0, 0.2, count)), 1).astype(np.int64)

    visits["total_cost"][chosen] = _near(package, len(chosen), rng)
    stayed = visits["discharge_day"][chosen] - visits["admission_day"][chosen]
    visits["admission_day"][chosen] = visits["discharge_day"][chosen] - np.minimum(stayed, package_days(len(chosen)))
    _mark(ctx, visits, chosen, "near_identical_amounts")
    person = _fresh_persons(ctx, target - len(chosen))
    length = package_days(len(person))
    discharge = month.first_day + length + (rng.random(len(person)) * (month.days - length)).astype(np.int64)
    return _new_rows(ctx, visits, "near_identical_amounts", person, np.full(len(person), hospital), p.INPATIENT,
                     rng.choice(_mild_rows(ctx), size=len(person)), discharge, _near(package, len(person), rng),
                     discharge - length)


def _near(cents: int, count: int, rng: np.random.Generator) -> np.ndarray:
    return np.round(cents * rng.uniform(0.995, 1.005, count)).astype(np.int64)


def _diabetes_drugs(ctx: _Month, visits: Columns) -> Columns:
    """Two special-outpatient settlements of 8,000-10,000 yuan for a diabetic (門診慢特病)."""
    world, rng, month = ctx.world, ctx.rng, ctx.month
    population, conditions = world.population, world.conditions
    diabetes = [i for i, code in enumerate(conditions.codes) if code.encode()[:3] in DIABETES_CODES]
    person = _pick(ctx, population.active(month) & np.isin(population.condition, diabetes) & ~ctx.taken)
    if not person.size:
        return {}
    ctx.taken[person] = True
    institutions = world.institutions
    institution = np.repeat(rng.choice(np.flatnonzero(institutions.local & np.isin(institutions.klass, (p.LEVEL2, p.PRIMARY)))), 2)
    day = np.sort(month.first_day + (rng.random(2) * month.days).astype(np.int64))
    cost = np.round(rng.uniform(*p.DIABETES_HIGH_COST_YUAN, size=2) * 100).astype(np.int64)
    row = world.diagnoses.special_row[population.condition[np.repeat(person, 2)]]
    return _new_rows(ctx, visits, "diabetes_drug_cost", np.repeat(person, 2), institution, p.SPECIAL, row, day, cost)


def ground_truth(world: World, originals: Columns, ids: np.ndarray, reversed_: np.ndarray,
                 diabetes_drug: np.ndarray, diabetes_injected: np.ndarray) -> list[tuple[str, int, str]]:
    """(rule_id, settlement id, origin) of every settlement of the month a rule must flag.

    `injected`: the labelled rows. The two rules that compare an amount with a threshold also
    flag what the rest of the data brings: every unreversed settlement with CI payment ≥ 30,000
    yuan, and every unreversed diabetic special-outpatient settlement from the one at which the
    person's drug cost of the year exceeds 10,000 yuan (in settlement order, as the rule counts);
    those are `natural` unless the person-year had injected settlements. `diabetes_drug` (cents
    of the year so far) and `diabetes_injected` (per person) are updated.
    """
    label = originals["label"]
    truth = []
    for rule in RULES:
        if rule not in ("ci_high_cost", "diabetes_drug_cost"):
            truth += [(rule, int(i), "injected") for i in ids[(label & BIT[rule]) > 0]]
    high = ~reversed_ & (originals["critical_illness_paid"] >= p.CI_HIGH_COST_THRESHOLD * 100)
    truth += [("ci_high_cost", int(i), "injected" if labelled else "natural")
              for i, labelled in zip(ids[high], (label[high] & BIT["ci_high_cost"]) > 0)]

    diabetic = np.array([code[:3] in DIABETES_CODES for code in world.diagnoses.codes])
    rows = np.flatnonzero(~reversed_ & (originals["visit_type"] == p.SPECIAL) & diabetic[originals["row"]])
    person = originals["person"][rows]
    diabetes_injected[person[(label[rows] & BIT["diabetes_drug_cost"]) > 0]] = True
    order = np.lexsort((ids[rows], person))
    rows, person = rows[order], person[order]
    drug = originals["drug_cost"][rows]
    running = np.cumsum(drug)
    first = np.flatnonzero(np.concatenate([[True], person[1:] != person[:-1]])) if rows.size else np.zeros(0, int)
    before_group = np.repeat((running - drug)[first], np.diff(np.append(first, len(rows))))
    over = diabetes_drug[person] + running - before_group > p.DIABETES_DRUG_COST_CAP * 100
    np.add.at(diabetes_drug, person, drug)
    truth += [("diabetes_drug_cost", int(i), "injected" if injected else "natural")
              for i, injected in zip(ids[rows[over]], diabetes_injected[person[over]])]
    return truth
