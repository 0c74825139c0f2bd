"""The committed Great Expectations file context under `expectations/gx/`.

`import great_expectations` takes seconds: only the functions here import it, when called, and
`import_great_expectations` leaves out what the suites never use.
The data source's connection string is `${YIBAO_GX_WAREHOUSE_URL}`, resolved at run time from
the warehouse's connection (`orchestration.warehouse`), so the committed files hold no
connection and work for a URL, a libpq conninfo string and the embedded server's unix socket.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from functools import cache
from pathlib import Path
from urllib.parse import quote

from orchestration.quality.batches import PLANNER_SETTINGS
from orchestration.quality.suites import SCHEMA
from orchestration.warehouse import connection_parts, yibao_home

EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"
DATASOURCE = "warehouse"
BATCH_DEFINITION = "batch"
# GX's expectation of a KL divergence imports these at import time, for its charts and its
# entropy; no suite here uses it. They are 1.4-1.9 s of the 4.4 s `import great_expectations`
# takes on this machine (python -X importtime), CPU taken from the loads it overlaps.
DEFERRED_IMPORTS = ("altair", "scipy.stats")


class _StandIn(types.ModuleType):
    """Imported in place of a module during GX's import: the first attribute read imports the
    real module (`alt.Chart` when a chart is drawn) and reads it there."""

    def __getattr__(self, attribute: str):
        if sys.modules.get(self.__name__) is self:
            sys.modules.pop(self.__name__, None)
        return getattr(importlib.import_module(self.__name__), attribute)


def import_great_expectations() -> types.ModuleType:
    """`import great_expectations`, with DEFERRED_IMPORTS imported only when used.

    The stand-ins are in `sys.modules` only while GX is imported: modules importing them later
    get the real ones."""
    stand_ins = {name: _StandIn(name) for name in DEFERRED_IMPORTS if name not in sys.modules}
    sys.modules.update(stand_ins)
    try:
        import great_expectations
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
    return great_expectations


@cache
def import_in_background() -> None:
    """Start importing GX in a daemon thread, once per process.

    GX imports SQLAlchemy's ORM, which registers inspection hooks that Dagster's storage calls
    from its own threads; a hook of a module still being imported in the background fails
    there ("partially initialized module 'sqlalchemy.orm.exc'"), so the ORM is imported first,
    in the calling thread.
    """
    import sqlalchemy.orm  # noqa: F401

    threading.Thread(target=import_great_expectations, name="import-great-expectations", daemon=True).start()


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
    gx = import_great_expectations()
    environment = {"YIBAO_GX_WAREHOUSE_URL": url, "YIBAO_HOME": home}
    return gx.get_context(mode="file", project_root_dir=EXPECTATIONS_DIR, runtime_environment=environment)
