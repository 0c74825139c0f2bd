"""`yibao run` on the embedded default (no $WAREHOUSE_URL), in a YIBAO_HOME of its own: the
pipeline connects as a role that owns the warehouse and is no superuser, and no file kept by the
run (in the repository or in YIBAO_HOME) holds the pseudonym key but the key's own file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pgserver
import psycopg
import pytest

from orchestration.generator import generate

ROOT = Path(__file__).resolve().parent.parent
PIPELINE_ROLE = "yibao"
SCHEMAS = ("raw", "quarantine", "audit", "loader", "quality", "staging", "intermediate", "marts", "security")


@pytest.fixture(scope="module")
def home(tmp_path_factory, yibao) -> Path:
    """A home in which `yibao run` started its own embedded server and built a small warehouse;
    the server is stopped afterwards."""
    home = tmp_path_factory.mktemp("embedded-home")
    landing = home.parent / "landing"
    generate(landing, seed=11, start="2025-01", months=2, persons=300)
    env = {name: value for name, value in os.environ.items()
           if name not in ("WAREHOUSE_URL", "YIBAO_PSEUDONYM_KEY", "DAGSTER_HOME", "YIBAO_LANDING")
           and not name.startswith("YIBAO_PG_")}
    run = yibao("run", "--landing", str(landing), env={**env, "YIBAO_HOME": str(home)})
    server = pgserver.get_server(home / "pgdata", cleanup_mode=None)
    try:
        assert run.returncode == 0, run.stdout + run.stderr
        yield home
    finally:
        server.cleanup_mode = "stop"
        server.cleanup()


@pytest.fixture(scope="module")
def superuser(home) -> psycopg.Connection:
    with psycopg.connect(pgserver.get_server(home / "pgdata", cleanup_mode=None).get_uri("yibao")) as conn:
        yield conn


def test_no_file_but_the_secret_holds_the_pseudonym_key(home):
    key_file = home / "secrets" / "pseudonym_key"
    key = key_file.read_bytes().strip()
    block = key.ljust(64, b"\0")  # RFC 2104's padded keys, as hex: what dbt's sessions are given
    needles = [key, *(bytes(b ^ pad for b in block).hex().encode() for pad in (0x36, 0x5C))]
    holding = []
    for folder in (ROOT, home):
        for directory, subdirectories, files in os.walk(folder):  # symlinks (the virtualenvs) not followed
            for name in files:
                path = Path(directory, name)
                try:
                    if path == key_file or not stat.S_ISREG(path.lstat().st_mode):  # sockets, symlinks
                        continue
                    content = path.read_bytes()
                except FileNotFoundError:  # removed meanwhile, e.g. by another xdist worker's dbt run
                    continue
                holding += [str(path) for needle in needles if needle in content]
    assert holding == []


def test_the_pipeline_role_owns_the_warehouse_and_is_no_superuser(superuser):
    assert superuser.execute("select rolsuper, rolcreatedb from pg_roles where rolname = %s",
                             [PIPELINE_ROLE]).fetchone() == (False, False)
    owners = dict(superuser.execute("select nspname, pg_get_userbyid(nspowner) from pg_namespace "
                                    "where nspname = any(%s)", [list(SCHEMAS)]).fetchall())
    assert owners == dict.fromkeys(SCHEMAS, PIPELINE_ROLE)
    others = superuser.execute("""select c.oid::regclass::text from pg_class c
                                  where c.relnamespace::regnamespace::text = any(%s)
                                    and pg_get_userbyid(c.relowner) <> %s""", [list(SCHEMAS), PIPELINE_ROLE]).fetchall()
    assert others == []
    assert superuser.execute("select count(*) from marts.fct_settlements").fetchone()[0] > 0


def test_secrets_and_logs_are_owner_only(home):
    logs = list((home / "logs").glob("run-*.log"))
    assert logs
    for path in [home / "secrets" / "pseudonym_key", *logs]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700, path.parent
