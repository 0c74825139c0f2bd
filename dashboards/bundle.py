"""Import the dashboards as code (dashboards/assets/) into Superset.

The bundle in git holds a placeholder connection URI; the real one (the read-only role's) is
put into the parsed YAML at import time. `POST /api/v1/assets/import/` with overwrite=true
replaces databases, datasets, charts and dashboards alike, so an edited chart or dataset is
updated on the next import (the dashboard import endpoint would keep the old ones).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import yaml

from dashboards.client import SupersetClient

TOP_FOLDER = "yibao_dashboards"  # the importer wants exactly one top-level folder


def bundle_zip(assets: Path, sqlalchemy_uri: str) -> bytes:
    """The assets folder as an import ZIP, every database pointing at `sqlalchemy_uri`."""
    if not (assets / "metadata.yaml").exists():
        raise FileNotFoundError(f"{assets}: no metadata.yaml, not a Superset assets bundle")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in assets.rglob("*.yaml") if p.is_file()):
            relative = path.relative_to(assets).as_posix()
            content = path.read_text(encoding="utf-8")
            if relative.startswith("databases/"):
                database = yaml.safe_load(content)
                database["sqlalchemy_uri"] = sqlalchemy_uri
                content = yaml.safe_dump(database, allow_unicode=True, sort_keys=False)
            archive.writestr(f"{TOP_FOLDER}/{relative}", content)
    return buffer.getvalue()


def import_bundle(client: SupersetClient, assets: Path, sqlalchemy_uri: str) -> None:
    """Import (or re-import, overwriting) every asset of the bundle."""
    data = bundle_zip(assets, sqlalchemy_uri)
    client.request("POST", "/api/v1/assets/import/", data={"overwrite": "true"},
                   files={"bundle": ("dashboards.zip", data, "application/zip")})


def database_names(assets: Path) -> list[str]:
    """The Superset database names the bundle defines (one: the warehouse)."""
    return [yaml.safe_load(p.read_text(encoding="utf-8"))["database_name"]
            for p in sorted((assets / "databases").glob("*.yaml"))]
