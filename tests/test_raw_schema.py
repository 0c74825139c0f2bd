"""The raw tables as the loader creates them are the tables dbt's sources declare and document."""

from __future__ import annotations

import yaml

from orchestration.dbt_project import DBT_PROJECT_DIR

SOURCES_YML = DBT_PROJECT_DIR / "models" / "staging" / "bureau" / "_bureau__sources.yml"


def documented_tables() -> dict[str, list[str]]:
    """Table → its columns, in order, as `_bureau__sources.yml` lists them."""
    (raw,) = [source for source in yaml.safe_load(SOURCES_YML.read_text(encoding="utf-8"))["sources"]
              if source["name"] == "bureau"]
    return {table["name"]: [column["name"] for column in table["columns"]] for table in raw["tables"]}


def test_every_raw_table_and_column_is_a_documented_source(db):
    """A column added to (or dropped from) orchestration/sources.py must be added to (or dropped
    from) the dbt sources too, where analysts read what it means."""
    created: dict[str, list[str]] = {}
    for table, column in db.execute("""select table_name, column_name from information_schema.columns
                                       where table_schema = 'raw' order by table_name, ordinal_position"""):
        created.setdefault(table, []).append(column)
    assert documented_tables() == created
