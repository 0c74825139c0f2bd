"""The read-only PostgreSQL role that Superset and analysts connect as.

It can read the marts and nothing else: raw, staging, quarantine, quality and audit hold
personal data or row-level source data (信息保密制度, DOMAIN.md requirement 10). Its grants
cover tables that dbt creates later (default privileges of the role that runs dbt), so a
rebuild does not lock Superset out.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from orchestration.warehouse import stored_secret

READER = "yibao_reader"
SCHEMA = "marts"


def reader_password() -> str:
    return stored_secret("YIBAO_READER_PASSWORD", "reader_password")


def ensure_reader(conn: psycopg.Connection) -> None:
    """Create or update the role and its grants on the connection's database (idempotent).
    Run as the warehouse's owner: the one whose tables dbt creates."""
    role = sql.Identifier(READER)
    with conn.transaction():
        exists = conn.execute("select 1 from pg_roles where rolname = %s", [READER]).fetchone()
        if not exists:
            conn.execute(sql.SQL("create role {} login").format(role))
        conn.execute(sql.SQL("alter role {} with login nosuperuser nocreatedb nocreaterole password {}")
                     .format(role, sql.Literal(reader_password())))
        conn.execute(sql.SQL("alter role {} set default_transaction_read_only = on").format(role))
        database = conn.execute("select current_database()").fetchone()[0]
        conn.execute(sql.SQL("grant connect on database {} to {}").format(sql.Identifier(database), role))
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(SCHEMA)))
        conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(SCHEMA), role))
        conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(sql.Identifier(SCHEMA), role))
        conn.execute(sql.SQL("alter default privileges in schema {} grant select on tables to {}")
                     .format(sql.Identifier(SCHEMA), role))


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
