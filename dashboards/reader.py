"""The PostgreSQL roles that Superset and analysts connect as, and their connection URLs.

`yibao_reader` reads the marts and nothing else; each county's role reads only its county's rows
of the marts the county dashboards show (orchestration.roles says what each may do). They share
the reader's password.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from dashboards.counties import database_role
from orchestration.roles import COUNTY_GROUP, READER, ensure_reader_roles, ensure_role, reader_password


def ensure_readers(conn: psycopg.Connection, county_codes: list[str]) -> None:
    """Create or update the reader roles and a login role for each county (idempotent). Run as
    the warehouse's owner: the one whose tables dbt creates."""
    ensure_reader_roles(conn)
    with conn.transaction():
        for code in county_codes:
            ensure_role(conn, database_role(code), password=reader_password(), member_of=COUNTY_GROUP)


def reader_url(warehouse_url: str) -> str:
    """The warehouse URL with the reader's credentials, for psycopg and psql."""
    return make_conninfo(warehouse_url, user=READER, password=reader_password())


def reader_sqlalchemy_uri(warehouse_url: str) -> str:
    """The reader's URI for Superset (SQLAlchemy with psycopg2). A unix-socket host, as the
    embedded server has, goes into the query string: a URL's host part cannot hold a path."""
    parts = {key: str(value) for key, value in conninfo_to_dict(warehouse_url).items()}
    host = parts.pop("host", "")
    port = parts.pop("port", "")
    database = parts.pop("dbname", "")
    parts.pop("user", None), parts.pop("password", None)
    credentials = f"{READER}:{quote(reader_password(), safe='')}"
    if host.startswith("/"):
        query = {"host": host, **({"port": port} if port else {}), **parts}
        return f"postgresql+psycopg2://{credentials}@/{quote(database)}?{urlencode(query)}"
    address = host + (f":{port}" if port else "")
    return f"postgresql+psycopg2://{credentials}@{address}/{quote(database)}" + (f"?{urlencode(parts)}" if parts else "")
