"""The person pseudonym: HMAC-SHA256 of the person_id under the key (checked against Python's
hmac), and a run with another key than the warehouse's refuses to build incrementally."""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from orchestration.generator import generate

YIBAO = str(Path(sys.executable).with_name("yibao"))
KEY, OTHER_KEY = "first-pseudonym-key-0123456789", "second-pseudonym-key-9876543210"


def yibao_run(landing: Path, key: str, *flags: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "YIBAO_PSEUDONYM_KEY": key}
    return subprocess.run([YIBAO, "run", "--landing", str(landing), *flags], env=env,
                          capture_output=True, text=True, timeout=900)


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


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pseudonym") / "landing"
    generate(out, seed=5, start="2025-01", months=2, persons=300)
    return out


def test_a_run_with_another_key_refuses_to_build_until_a_full_refresh(warehouse_url, landing):
    first = yibao_run(landing, KEY)
    assert first.returncode == 0, first.stdout + first.stderr
    built = person_keys(warehouse_url)
    assert built and all(key == hmac_sha256(KEY, person) for person, key in built.values())

    refused = yibao_run(landing, OTHER_KEY)
    assert refused.returncode == 1
    assert "pseudonym key is not the one the marts' person_key were built with" in refused.stdout
    assert "--full-refresh" in refused.stdout
    assert person_keys(warehouse_url) == built

    rebuilt = yibao_run(landing, OTHER_KEY, "--full-refresh")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert all(key == hmac_sha256(OTHER_KEY, person) for person, key in person_keys(warehouse_url).values())
    assert yibao_run(landing, OTHER_KEY).returncode == 0
