"""The committed Great Expectations file context under `expectations/gx/`.

`import great_expectations` takes seconds: only the functions here import it, when called.
The data source's connection string is `${YIBAO_GX_WAREHOUSE_URL}`, resolved at run time from
the warehouse's connection (`orchestration.warehouse`), so the committed files hold no
connection and work for a URL, a libpq conninfo string and the embedded server's unix socket.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import quote

from orchestration.quality.batches import PLANNER_SETTINGS
from orchestration.quality.suites import SCHEMA
from orchestration.warehouse import connection_parts, yibao_home

EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"
DATASOURCE = "warehouse"
BATCH_DEFINITION = "batch"
def sqlalchemy_url(url: str | None = None) -> str:
    """The warehouse as an SQLAlchemy URL (psycopg2); the host goes in the query string, where
    a unix-socket directory is allowed."""
    p = connection_parts(url)
    password = f":{quote(p['password'], safe='')}" if p["password"] else ""
    return (f"postgresql+psycopg2://{quote(p['user'], safe='')}{password}@/{quote(p['dbname'], safe='')}"
            f"?host={quote(p['host'], safe='')}&port={p['port']}")


def data_docs_dir() -> Path:
    return yibao_home() / "data_docs"


def data_docs_index() -> Path:
    return data_docs_dir() / "index.html"


def get_context(url: str | None = None):
    """The file context, connected to the warehouse (or `url`), writing under YIBAO_HOME.

    GX's connection has `quality` as its search path: its assets are the views and tables there.
    It plans with the checks' PLANNER_SETTINGS.
    """
    options = " ".join(f"-c {name}={value}" for name, value in {"search_path": SCHEMA, **PLANNER_SETTINGS}.items())
    return _context(f"{sqlalchemy_url(url)}&options={quote(options, safe='')}", str(yibao_home()))


@cache
def _context(url: str, home: str):
    """One context per warehouse and YIBAO_HOME in a process (loading one takes a while)."""
    import great_expectations as gx

    environment = {"YIBAO_GX_WAREHOUSE_URL": url, "YIBAO_HOME": home}
    return gx.get_context(mode="file", project_root_dir=EXPECTATIONS_DIR, runtime_environment=environment)
