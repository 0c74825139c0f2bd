"""The keyed pseudonym of a person (`person_key` in the marts): HMAC-SHA256 of the person_id
under the pseudonym key, computed by PostgreSQL without the key in any SQL text.

PostgreSQL has sha256() but no HMAC (pgcrypto, which has one, is not on every server: the
embedded one lacks it). HMAC(K, m) = H((K' ⊕ opad) ‖ H((K' ⊕ ipad) ‖ m)), with K' the key padded
to the hash's 64-byte block (RFC 2104). The two padded keys are derived here and reach dbt's
database sessions as custom settings through libpq's PGOPTIONS (`-c yibao.pseudonym_ipad=…`);
the macro pseudonymize() reads them with current_setting(). dbt never sees them, so they are in
no compiled SQL, manifest, run result or log. They are as secret as the key (either computes
every pseudonym), so only dbt's processes get them, never a reader's session.

The warehouse keeps a fingerprint of the key (an HMAC of a fixed text: it tells keys apart but
gives no way back to the key). Building incrementally with another key would give one person two
pseudonyms in the incremental tables; such a run is refused until `--full-refresh` rebuilds them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from orchestration.warehouse import stored_secret, table_exists

SETTINGS = ("yibao.pseudonym_ipad", "yibao.pseudonym_opad")
_BLOCK = 64  # bytes, SHA-256's block
_FINGERPRINT_OF = b"yibao pseudonym key fingerprint"

FINGERPRINT_DDL = """
create table if not exists audit.pseudonym_key (
    fingerprint text not null,
    recorded_at timestamptz not null default now()
);
comment on table audit.pseudonym_key is 'Fingerprint of the key the marts'' person_key were built with (orchestration/pseudonym.py)';
"""


class KeyChanged(Exception):
    """The pseudonym key is not the one the warehouse's pseudonyms were built with."""


def pseudonym_key() -> bytes:
    """`$YIBAO_PSEUDONYM_KEY`, else generated once into YIBAO_HOME."""
    return stored_secret("YIBAO_PSEUDONYM_KEY", "pseudonym_key").encode()


def padded_keys(key: bytes) -> tuple[bytes, bytes]:
    """HMAC-SHA256's inner and outer padded keys (K' ⊕ ipad, K' ⊕ opad)."""
    block = (hashlib.sha256(key).digest() if len(key) > _BLOCK else key).ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def dbt_environment() -> dict[str, str]:
    """The environment variable that gives a dbt process's sessions the padded keys (added to
    any PGOPTIONS already set)."""
    pads = " ".join(f"-c {name}={pad.hex()}" for name, pad in zip(SETTINGS, padded_keys(pseudonym_key())))
    return {"PGOPTIONS": " ".join(filter(None, [os.environ.get("PGOPTIONS"), pads]))}


@contextmanager
def in_environment() -> Iterator[None]:
    """The padded keys in this process's environment for the block only: dagster-dbt starts dbt
    with a copy of it. Nothing else may start in the meantime (a Superset or Dagster UI started
    with them would hand them to every session)."""
    before = os.environ.get("PGOPTIONS")
    os.environ.update(dbt_environment())
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PGOPTIONS")
        else:
            os.environ["PGOPTIONS"] = before


def fingerprint(key: bytes) -> str:
    return hmac.new(key, _FINGERPRINT_OF, hashlib.sha256).hexdigest()


def check_key(conn: psycopg.Connection, full_refresh: bool) -> None:
    """Raise KeyChanged unless the warehouse's pseudonyms were built with the current key or
    `full_refresh` rebuilds them all. A warehouse whose marts were built before it kept a
    fingerprint (when person_key was a plain SHA-256) needs the full refresh too."""
    conn.execute(FINGERPRINT_DDL)
    recorded = conn.execute("select fingerprint from audit.pseudonym_key").fetchone()
    if full_refresh or (recorded is None and not table_exists(conn, "marts.fct_settlements")):
        return
    if recorded is None:
        raise KeyChanged("the marts' person_key were built before the warehouse kept a fingerprint of the pseudonym "
                         "key (and before they were HMACs): run `yibao run --landing DIR --full-refresh` once to "
                         "rebuild them")
    if recorded[0] != fingerprint(pseudonym_key()):
        raise KeyChanged("the pseudonym key is not the one the marts' person_key were built with (its fingerprint "
                         f"differs from {recorded[0][:12]}…): an incremental build would give persons two pseudonyms. "
                         "Use the earlier key, or run `yibao run --landing DIR --full-refresh` to rebuild every "
                         "person_key with this one")


def record_key(conn: psycopg.Connection) -> None:
    """Record the current key's fingerprint (after a build with it succeeded)."""
    with conn.transaction():
        conn.execute("delete from audit.pseudonym_key")
        conn.execute("insert into audit.pseudonym_key (fingerprint) values (%s)", [fingerprint(pseudonym_key())])
