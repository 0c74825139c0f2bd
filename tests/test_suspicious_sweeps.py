"""The per-person screening rules `readmission` and `overlapping_stays`, computed as sorted sweeps
and per-day counts: they agree with the contract's pairwise definitions (the contract, docs/marts.md,
read here literally, pair by pair) on random stays, and a person ID with tens of thousands of
stays (a placeholder ID of a real export) is screened in seconds, not in the square of its stays.

The rules' views are built with what they read on an empty warehouse; each test then fills
intermediate.int_stays_effective with its own stays and queries the views. The policy parameters
are the defaults (15 days, Z51 excluded).
"""

from __future__ import annotations

import os
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from unittest.mock import patch

import psycopg
import pytest

from orchestration.dbt_project import run_dbt
from orchestration.raw_schema import ensure_schemas
from orchestration.warehouse import export_dbt_env
from tests.conftest import create_database, drop_database

RULES = ("readmission", "overlapping_stays")
READMISSION_DAYS = 15
EXCLUDED = {"Z51"}
NAMED = {"readmission": re.compile(r"^前次住院\(([^)]+)\)"), "overlapping_stays": re.compile(r"重疊\(如([^)]+)\)")}


@dataclass(frozen=True)
class Stay:
    settlement_id: str
    person_key: str
    institution_code: str
    diagnosis_category: str
    admission_date: date
    discharge_date: date


@pytest.fixture(scope="module")
def rules_db(server_url, tmp_path_factory):
    url = create_database(server_url)
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_schemas(conn)
    with patch.dict(os.environ):
        export_dbt_env(url)
        built = run_dbt("run", "--select", *(f"+int_suspicious__{rule}" for rule in RULES),
                        "--target-path", str(tmp_path_factory.mktemp("dbt-target")), capture_output=True, text=True)
    assert built.returncode == 0, built.stdout
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn
    drop_database(server_url, url)


def put_stays(conn: psycopg.Connection, stays: list[Stay]) -> None:
    conn.execute("truncate intermediate.int_stays_effective")
    with conn.cursor().copy("""copy intermediate.int_stays_effective (settlement_id, person_key, institution_code,
                               diagnosis_category, admission_date, discharge_date, settlement_month)
                               from stdin""") as copy:
        for stay in stays:
            copy.write_row((stay.settlement_id, stay.person_key, stay.institution_code, stay.diagnosis_category,
                            stay.admission_date, stay.discharge_date, stay.discharge_date.replace(day=1)))
    conn.execute("analyze intermediate.int_stays_effective")


def flagged(conn: psycopg.Connection, rule: str) -> dict[str, tuple[int, str]]:
    """settlement_id → (figure, the other stay the reason names) of the rule's view."""
    rows = conn.execute(f"select settlement_id, figure, reason from intermediate.int_suspicious__{rule}").fetchall()
    return {settlement_id: (int(figure), NAMED[rule].search(reason).group(1)) for settlement_id, figure, reason in rows}


# ------------------------------------------------------------------ the contract, pair by pair

def readmissions(stays: list[Stay]) -> dict[str, tuple[int, str]]:
    """Stay B with another stay A of the person at the institution, same category (not excluded),
    0 ≤ B.admission − A.discharge ≤ 15: the smallest gap, then the lowest settlement_id."""
    found = {}
    for b in stays:
        pairs = [((b.admission_date - a.discharge_date).days, a.settlement_id) for a in stays
                 if a.settlement_id != b.settlement_id and a.person_key == b.person_key
                 and a.institution_code == b.institution_code and a.diagnosis_category == b.diagnosis_category
                 and b.diagnosis_category not in EXCLUDED
                 and 0 <= (b.admission_date - a.discharge_date).days <= READMISSION_DAYS]
        if pairs:
            found[b.settlement_id] = min(pairs)
    return found


def overlaps(stays: list[Stay]) -> dict[str, tuple[int, str]]:
    """Stay A with the person's other stays B where A.admission < B.discharge and B.admission <
    A.discharge: how many, and the lowest settlement_id of them."""
    found = {}
    for a in stays:
        others = [b.settlement_id for b in stays
                  if b.settlement_id != a.settlement_id and b.person_key == a.person_key
                  and a.admission_date < b.discharge_date and b.admission_date < a.discharge_date]
        if others:
            found[a.settlement_id] = (len(others), min(others))
    return found


# ------------------------------------------------------------------ random stays

def random_stays(seed: int, persons: int = 60) -> list[Stay]:
    """Up to 30 stays a person within 10, 40 or 400 days, at two institutions and three
    categories: equal admission and discharge days, same-day stays (a fifth), nested stays and
    stays overlapping many come up often, and so do stays that meet no other. settlement_ids are
    random, so that their order is not the dates'."""
    rng = random.Random(seed)
    ids = rng.sample(range(10**6), persons * 30)
    stays, start = [], date(2025, 1, 1)
    for person in range(persons):
        days = rng.choice((10, 40, 400))
        for _ in range(rng.randint(0, 30)):
            admission = start + timedelta(days=rng.randint(0, days))
            length = 0 if rng.random() < 0.2 else rng.choice((1, 2, 3, 5, 8, 13, 30))
            stays.append(Stay(f"S{ids.pop():06d}", f"p{person}", rng.choice(("H1", "H2")),
                              rng.choice(("J18", "K29", "Z51")), admission, admission + timedelta(days=length)))
    return stays


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_sweeps_flag_what_the_pairwise_definitions_flag(rules_db, seed):
    stays = random_stays(seed)
    put_stays(rules_db, stays)
    expected = {"readmission": readmissions(stays), "overlapping_stays": overlaps(stays)}
    assert all(len(found) > 100 for found in expected.values())  # the cases are there to be compared
    for rule in RULES:
        assert flagged(rules_db, rule) == expected[rule], rule


# ------------------------------------------------------------------ one person ID, many stays

def placeholder_stays(count: int) -> list[Stay]:
    """`count` stays of one person ID at one institution with one diagnosis category, admitted
    over two years, 0 to 3 days each: every pair is a candidate of both rules."""
    rng = random.Random(0)
    start = date(2024, 1, 1)
    stays = []
    for number in range(count):
        admission = start + timedelta(days=rng.randrange(730))
        stays.append(Stay(f"S{number:06d}", "placeholder", "H1", "J18", admission,
                          admission + timedelta(days=rng.randint(0, 3))))
    return stays


@pytest.mark.parametrize("rule", RULES)
def test_a_person_id_with_thousands_of_stays_is_screened_in_seconds(rules_db, rule):
    put_stays(rules_db, placeholder_stays(40_000))
    with rules_db.transaction():
        rules_db.execute("set local statement_timeout = '30s'")  # a join of all pairs takes minutes
        flagged_stays = rules_db.execute(f"select count(*) from intermediate.int_suspicious__{rule}").fetchone()[0]
    assert flagged_stays > 30_000
