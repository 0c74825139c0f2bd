"""The person pseudonym: HMAC-SHA256 of the person_id under the key (checked against Python's
hmac), and a run with another key than the warehouse's refuses to build incrementally."""

from __future__ import annotations

import hashlib
import hmac
import os

import psycopg

OTHER_KEY = "second-pseudonym-key-9876543210"


def person_keys(url: str) -> dict[str, tuple[str, str]]:
    """settlement_id -> (person_id in raw, person_key in the fact)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("""select r.settlement_id, r.person_id, f.person_key from raw.settlement r
                               join marts.fct_settlements f using (settlement_id)""").fetchall()
    return {settlement: (person, key) for settlement, person, key in rows}


def hmac_sha256(key: str, person_id: str) -> str:
    return hmac.new(key.encode(), person_id.encode(), hashlib.sha256).hexdigest()


def test_the_padded_keys_give_python_s_hmac():
    from orchestration.pseudonym import padded_keys

    for key in (b"k" * 16, b"k" * 64, b"k" * 65):  # shorter than, as long as, longer than the block
        inner, outer = padded_keys(key)
        manual = hashlib.sha256(outer + hashlib.sha256(inner + b"P1").digest()).hexdigest()
        assert manual == hmac.new(key, b"P1", hashlib.sha256).hexdigest()


def test_a_run_with_another_key_refuses_to_build_until_a_full_refresh(demo_warehouse, demo_landing,
                                                                    cloned_warehouse, yibao, monkeypatch):
    """On a copy of the session's demo warehouse, built with the session's key; after the full
    refresh, the next run's check of the key passes."""
    from orchestration.pseudonym import check_key

    url = cloned_warehouse(demo_warehouse[0])
    key = os.environ["YIBAO_PSEUDONYM_KEY"]
    built = person_keys(url)
    assert built and all(person_key == hmac_sha256(key, person) for person, person_key in built.values())

    def run(*flags: str):
        return yibao("run", "--landing", str(demo_landing), *flags, env={**os.environ, "YIBAO_PSEUDONYM_KEY": OTHER_KEY})

    refused = run()
    assert refused.returncode == 1
    assert "pseudonym key is not the one the marts' person_key were built with" in refused.stdout
    assert "--full-refresh" in refused.stdout
    assert person_keys(url) == built

    rebuilt = run("--full-refresh")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert all(person_key == hmac_sha256(OTHER_KEY, person) for person, person_key in person_keys(url).values())
    monkeypatch.setenv("YIBAO_PSEUDONYM_KEY", OTHER_KEY)
    with psycopg.connect(url) as conn:
        check_key(conn, full_refresh=False)  # what the next run's build does first: raises KeyChanged if refused
