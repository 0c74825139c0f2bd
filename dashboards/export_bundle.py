"""Export the Superset dashboards into dashboards/assets/ as a clean, committable bundle.

    # from a running Superset (admin password from $SUPERSET_ADMIN_PASSWORD):
    python dashboards/export_bundle.py --url http://127.0.0.1:8088
    # or from a ZIP exported by hand (Dashboards -> select -> Export):
    python dashboards/export_bundle.py --zip dashboard_export_XXXX.zip

Run it with the Python of Superset's virtualenv (it needs `requests` and `yaml`, both Superset
dependencies). The bundle is Superset's own export format, unzipped, with these changes so that it
is safe to commit and imports with `POST /api/v1/assets/import/`:
- metadata.yaml says `type: assets` and has no timestamp;
- the database's sqlalchemy_uri is the credential-free placeholder PLACEHOLDER_URI (the importer
  replaces it with the real connection);
- every dataset has `catalog: null` (an exported catalog overrides the URI's database);
- files are named after the dashboard slug, the dataset table and the chart title instead of
  numeric ids, and written as UTF-8 YAML, so re-exports give small, readable diffs.
Files of the four asset folders that the export no longer contains are removed.
"""
from __future__ import annotations

import argparse
import io
import os
import re
import sys
import zipfile
from pathlib import Path

import yaml

PLACEHOLDER_URI = "postgresql+psycopg2://yibao_reader@localhost/yibao"
FOLDERS = ("databases", "datasets", "charts", "dashboards")


def fetch_zip(url: str, user: str, password: str) -> bytes:
    """Log in, list every dashboard and export them all in one ZIP."""
    import requests

    s = requests.Session()
    r = s.post(f"{url}/api/v1/security/login",
               json={"username": user, "password": password, "provider": "db", "refresh": True})
    r.raise_for_status()
    s.headers["Authorization"] = "Bearer " + r.json()["access_token"]
    csrf = s.get(f"{url}/api/v1/security/csrf_token/").json()["result"]
    s.headers.update({"X-CSRFToken": csrf, "Referer": url})
    ids = [d["id"] for d in s.get(f"{url}/api/v1/dashboard/", params={"q": "(page_size:100)"}).json()["result"]]
    if not ids:
        sys.exit("no dashboard to export")
    r = s.get(f"{url}/api/v1/dashboard/export/", params={"q": "!(" + ",".join(map(str, ids)) + ")"})
    r.raise_for_status()
    return r.content


def file_stem(name: str) -> str:
    """A file name from a title: letters (CJK included) and digits kept, the rest '_'."""
    return re.sub(r"_+", "_", re.sub(r"[^\w-]", "_", name)).strip("_") or "unnamed"


def clean(files: dict[str, dict]) -> dict[str, dict]:
    """Map of export paths (without the top folder) to parsed YAML -> cleaned map of bundle paths."""
    out: dict[str, dict] = {"metadata.yaml": {"version": "1.0.0", "type": "assets"}}
    used: set[str] = set()

    def unique(path: str) -> str:
        stem, n = path[:-5], 2
        while path in used:
            path, n = f"{stem}_{n}.yaml", n + 1
        used.add(path)
        return path

    for path, doc in sorted(files.items()):
        folder = path.split("/", 1)[0]
        if folder == "databases":
            doc["sqlalchemy_uri"] = PLACEHOLDER_URI
            doc.pop("password", None)
            out[unique(f"databases/{file_stem(doc['database_name'])}.yaml")] = doc
        elif folder == "datasets":
            doc["catalog"] = None
            database = path.split("/")[1]
            out[unique(f"datasets/{database}/{file_stem(doc['table_name'])}.yaml")] = doc
        elif folder == "charts":
            if not doc.get("query_context"):
                print(f"warning: chart {doc['slice_name']!r} has no query_context: open it in Explore and save it",
                      file=sys.stderr)
            out[unique(f"charts/{file_stem(doc['slice_name'])}.yaml")] = doc
        elif folder == "dashboards":
            for f in doc.get("metadata", {}).get("native_filter_configuration", []):
                # recomputed from `scope` when a dashboard loads; the ids here would be stale after import
                f.pop("chartsInScope", None)
                f.pop("tabsInScope", None)
            out[unique(f"dashboards/{file_stem(doc.get('slug') or doc['dashboard_title'])}.yaml")] = doc
    return out


def read_zip(data: bytes) -> dict[str, dict]:
    files = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.endswith(".yaml"):
                inner = name.split("/", 1)[1]  # drop the export's top folder
                if inner.split("/", 1)[0] in FOLDERS:
                    files[inner] = yaml.safe_load(z.read(name))
    return files


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (dataset SQL, markdown) as literal blocks, so they read and diff as text."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value and not any(line != line.rstrip() for line in value.split("\n")):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def write(bundle: dict[str, dict], out: Path) -> None:
    for folder in FOLDERS:
        for old in (out / folder).rglob("*.yaml") if (out / folder).exists() else []:
            if str(old.relative_to(out)) not in bundle:
                old.unlink()
    for path, doc in bundle.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zip", type=Path, help="an export ZIP to clean instead of fetching one")
    ap.add_argument("--url", default="http://127.0.0.1:8088")
    ap.add_argument("--user", default="admin")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "assets")
    args = ap.parse_args()
    if args.zip:
        data = args.zip.read_bytes()
    else:
        password = os.environ.get("SUPERSET_ADMIN_PASSWORD")
        if not password:
            sys.exit("set SUPERSET_ADMIN_PASSWORD")
        data = fetch_zip(args.url.rstrip("/"), args.user, password)
    bundle = clean(read_zip(data))
    write(bundle, args.out)
    print(f"{len(bundle)} files written to {args.out}")


if __name__ == "__main__":
    main()
