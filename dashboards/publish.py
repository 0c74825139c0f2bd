"""Put the dashboards in front of their users: the read-only role on the warehouse, the bundle
imported with that role's connection, the Superset roles and county filters. Idempotent."""

from __future__ import annotations

import sys
from pathlib import Path

import psycopg

from dashboards.access import ensure_access
from dashboards.bundle import database_names, import_bundle
from dashboards.client import LoginFailed, SupersetClient
from dashboards.metadata import reset_admin_password
from dashboards.reader import READER, ensure_readers, reader_sqlalchemy_uri
from dashboards.settings import ADMIN, ASSETS, admin_password
from orchestration.roles import REVOCATIONS, executable_text_sql_functions
from orchestration.warehouse import table_exists


def publish(base_url: str, warehouse_url: str, assets: Path = ASSETS) -> None:
    with psycopg.connect(warehouse_url) as conn:
        counties = counties_of(conn)
        ensure_readers(conn, [code for code, _ in counties])
        if executable := executable_text_sql_functions(conn, READER):
            print(f"warning: {READER} may still execute {', '.join(executable)}, which run SQL given as text: "
                  f"run {REVOCATIONS} as a superuser on this database (docs/security.md)", file=sys.stderr)
    client = admin_client(base_url)
    import_bundle(client, assets, reader_sqlalchemy_uri(warehouse_url))
    for database in database_names(assets):
        ensure_access(client, database, counties)


def admin_client(base_url: str) -> SupersetClient:
    """A session as admin; resets the admin's password once if $SUPERSET_ADMIN_PASSWORD changed
    since the user was created."""
    try:
        return SupersetClient(base_url, ADMIN, admin_password())
    except LoginFailed:
        reset_admin_password(admin_password())
        return SupersetClient(base_url, ADMIN, admin_password())


def counties_of(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(county_code, county_name) from the marts; none before the first build."""
    if not table_exists(conn, "marts.dim_counties"):
        return []
    return conn.execute("select county_code, county_name from marts.dim_counties order by county_code").fetchall()
