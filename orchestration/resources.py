"""Dagster resources: the warehouse connection, the run lock and the landing directory.

None can be configured when a run is launched (orchestration.definitions fixes them): the
warehouse is the environment's (orchestration.warehouse), the landing directory `$YIBAO_LANDING`.
"""

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import dagster as dg
import psycopg

from orchestration import warehouse
from orchestration.loading import Landing, discover
from orchestration.raw_schema import ensure_schemas
from orchestration.run_lock import exclusive_run
from orchestration.settings import landing_dir


class WarehouseResource(dg.ConfigurableResource):
    """The PostgreSQL warehouse, `orchestration.warehouse.warehouse_url()`."""

    @contextmanager
    def connect(self, schemas_ready: bool = False) -> Iterator[psycopg.Connection]:
        """An autocommit connection; the loader's schemas are created first unless `schemas_ready`
        (their DDL would wait for other connections' loads to commit)."""
        with warehouse.connect(autocommit=True) as conn:
            if not schemas_ready:
                ensure_schemas(conn)
            yield conn


class RunLockResource(dg.ConfigurableResource):
    """The warehouse's run lock (orchestration.run_lock), held while a step that writes the
    warehouse runs: the loads and the dbt build. The job runs in one process, so a run launched
    by the daemon holds it from its first load to its build's end, as `yibao run` does."""

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["RunLockResource"]:
        with exclusive_run():
            yield self


class LandingResource(dg.ConfigurableResource):
    """The landing directory the bureau's exports are dropped into: `path`, else `$YIBAO_LANDING`."""

    path: Optional[str] = None

    def discover(self) -> Landing:
        return discover(Path(self.path) if self.path else landing_dir())
