"""Dagster resources: the warehouse connection and the landing directory."""

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import dagster as dg
import psycopg

from orchestration import warehouse
from orchestration.loading import Landing, discover
from orchestration.raw_schema import ensure_schemas


class WarehouseResource(dg.ConfigurableResource):
    """The PostgreSQL warehouse; `url` defaults to `orchestration.warehouse.warehouse_url()`."""

    url: Optional[str] = None

    @contextmanager
    def connect(self, schemas_ready: bool = False) -> Iterator[psycopg.Connection]:
        """An autocommit connection; the loader's schemas are created first unless `schemas_ready`
        (their DDL would wait for other connections' loads to commit)."""
        with warehouse.connect(self.url, autocommit=True) as conn:
            if not schemas_ready:
                ensure_schemas(conn)
            yield conn


class LandingResource(dg.ConfigurableResource):
    """The landing directory the bureau's exports are dropped into (`$YIBAO_LANDING`)."""

    path: str

    def discover(self) -> Landing:
        return discover(Path(self.path))
