"""`yibao backup --out DIR` and `yibao restore DIR`: the warehouse, Superset's metadata, Dagster's
instance and the secrets, written together and brought back together.

Each PostgreSQL database is copied with `pg_dump` in its custom format (a consistent snapshot;
the run lock is held meanwhile, so no run writes between the copies); an SQLite store or
instance folder of the embedded profile is copied as it is. The secrets go with them, the
pseudonym key above all: without it the marts' person_key cannot be extended, only rebuilt. A
backup folder therefore holds secrets: it is created owner-only (0700, files 0600).

A restore goes into an empty YIBAO_HOME or empty databases, never over a warehouse in use: the
reader roles are made first (roles belong to the server, not to a database's dump), then each
dump is restored owned by the role that restores it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from orchestration import settings
from orchestration.run_lock import exclusive_run
from orchestration.warehouse import (connect, private_dir, secret_path, stored_secret, warehouse_url,
                                     write_secret)

# secret file name -> the environment variable that gives it instead
SECRETS = {
    "pseudonym_key": "YIBAO_PSEUDONYM_KEY",
    "reader_password": "YIBAO_READER_PASSWORD",
    "superset_secret_key": "SUPERSET_SECRET_KEY",
    "superset_admin_password": "SUPERSET_ADMIN_PASSWORD",
}
MANIFEST = "manifest.json"


class RestoreRefused(ValueError):
    """The target is not empty, or a secret given by the environment differs from the backup's."""


def pg_program(name: str) -> str:
    """pg_dump or pg_restore of the pgserver wheel (PostgreSQL 16: it reads servers up to 16)."""
    from pgserver._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def backup(out: Path) -> list[str]:
    """Write a backup into `out` (new or empty); what was written, one line each."""
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out} is not empty: back up into a new folder")
    private_dir(out)
    from dashboards.publish import counties_of

    written = []
    with exclusive_run():
        url = warehouse_url()
        _dump(url, out / "warehouse.dump")
        with connect(url) as conn:
            counties = [code for code, _ in counties_of(conn)]
        written.append(f"warehouse   {out / 'warehouse.dump'}")
        written.append("superset    " + _save_superset(out))
        written.append("dagster     " + _save_dagster(out))
    for name, variable in SECRETS.items():
        write_secret(out / "secrets" / name, stored_secret(variable, name))
    written.append(f"secrets     {out / 'secrets'} ({', '.join(SECRETS)})")
    manifest = {"created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "counties": counties}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return written


def restore(source: Path) -> list[str]:
    """Bring the backup in `source` back into the configured (empty) stores; what was restored."""
    manifest = json.loads((source / MANIFEST).read_text())
    restored = [_restore_secrets(source / "secrets")]
    restored.append(_restore_warehouse(source / "warehouse.dump", manifest["counties"]))
    restored.append(_restore_superset(source))
    restored.append(_restore_dagster(source))
    return restored


def _dump(url: str, path: Path) -> None:
    _pg(pg_program("pg_dump"), "--format=custom", f"--file={path}", f"--dbname={url}")


def _pg_restore(url: str, path: Path) -> None:
    """Restore a custom-format dump owned by `url`'s role, in one transaction that stops at the
    first error. The objects of the dump that exist are replaced (`--clean`): a provisioned
    database has the marts schema, empty, and the tables were checked to be missing. Left out:
    the privileges on PostgreSQL's own functions (the revocations of those that run SQL given as
    text), which only a superuser may change and which the target's provisioning set already."""
    contents = _pg(pg_program("pg_restore"), "--list", str(path))
    with tempfile.NamedTemporaryFile("w", suffix=".list") as wanted:  # the backup may be read-only
        wanted.write("".join(line for line in contents.splitlines(keepends=True) if " ACL pg_catalog " not in line))
        wanted.flush()
        _pg(pg_program("pg_restore"), "--no-owner", "--clean", "--if-exists", "--exit-on-error",
            "--single-transaction", f"--use-list={wanted.name}", f"--dbname={url}", str(path))


def _pg(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, umask=0o077)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def _save_superset(out: Path) -> str:
    if settings.metadata_on_server():
        _dump(settings.libpq_url(settings.superset_metadata_url()), out / "superset.dump")
        return str(out / "superset.dump")
    store = settings.superset_home() / "superset.db"
    with sqlite3.connect(store) as source, sqlite3.connect(out / "superset.db") as copy:
        source.backup(copy)  # a consistent copy while Superset may be writing
    return str(out / "superset.db")


def _save_dagster(out: Path) -> str:
    if settings.dagster_storage_url():
        _dump(settings.libpq_url(settings.dagster_storage_url()), out / "dagster.dump")
        return str(out / "dagster.dump")
    shutil.copytree(settings.dagster_home(), out / "dagster")
    return str(out / "dagster")


def _restore_secrets(folder: Path) -> str:
    """Each secret into $YIBAO_HOME/secrets, unless the environment gives it: then it must be the
    backup's (another pseudonym key would not extend the restored marts)."""
    for name, variable in SECRETS.items():
        value = (folder / name).read_text()
        current = secret_path(name)
        if variable in os.environ:
            if os.environ[variable] != value:
                raise RestoreRefused(f"${variable} differs from the backup's {name}: unset it, or set it to the "
                                     f"backup's value ({folder / name})")
        elif current.exists():
            if current.read_text().strip() != value:
                raise RestoreRefused(f"{current} exists and differs from the backup's: restore into an empty "
                                     f"YIBAO_HOME")
        else:
            write_secret(current, value)
    return f"secrets     {', '.join(SECRETS)}"


def _restore_warehouse(dump: Path, counties: list[str]) -> str:
    from dashboards.reader import ensure_readers

    url = warehouse_url()
    with connect(url, autocommit=True) as conn:
        if conn.execute("""select count(*) from pg_tables
                           where schemaname not in ('pg_catalog', 'information_schema')""").fetchone()[0]:
            raise RestoreRefused(f"the warehouse database {conn.info.dbname} has tables: restore into an empty one")
        ensure_readers(conn, counties)
    _pg_restore(url, dump)
    return f"warehouse   from {dump}"


def _restore_superset(source: Path) -> str:
    if settings.metadata_on_server():
        _pg_restore(settings.libpq_url(settings.superset_metadata_url()), source / "superset.dump")
        return "superset    into its PostgreSQL store"
    store = private_dir(settings.superset_home()) / "superset.db"
    if store.exists():
        raise RestoreRefused(f"{store} exists: restore into an empty YIBAO_HOME")
    shutil.copyfile(source / "superset.db", store)
    store.chmod(0o600)
    return f"superset    {store}"


def _restore_dagster(source: Path) -> str:
    if settings.dagster_storage_url():
        _pg_restore(settings.libpq_url(settings.dagster_storage_url()), source / "dagster.dump")
        return "dagster     into its PostgreSQL storage"
    home = settings.dagster_home()
    if any(home.glob("*/*.db")):
        raise RestoreRefused(f"{home} has an instance's storage: restore into an empty YIBAO_HOME")
    shutil.copytree(source / "dagster", home, dirs_exist_ok=True)
    return f"dagster     {home}"
