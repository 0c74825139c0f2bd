"""Every mart of a warehouse as comparable data: to tell two builds apart, row for row."""

from __future__ import annotations

from collections import Counter

import psycopg


def snapshot(conn: psycopg.Connection, tables: tuple[str, ...] = (), other_warehouse: bool = False) -> dict[str, Counter]:
    """Every table of `marts`, and `tables` (schema.table), as a multiset of its rows: every
    column but `_built_at`, the start of the dbt run that built the row, and, to compare with
    `other_warehouse`, `_load_id`, which numbers the loads of a warehouse."""
    ignored = ["_built_at", *(["_load_id"] if other_warehouse else [])]
    marts = [f"marts.{name}" for (name,) in conn.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' and table_type = 'BASE TABLE'")]
    return {table: Counter(conn.execute(f"select {_columns(conn, table, ignored)} from {table}").fetchall())
            for table in [*marts, *tables]}


def _columns(conn: psycopg.Connection, table: str, ignored: list[str]) -> str:
    schema, name = table.split(".")
    columns = conn.execute("""select column_name from information_schema.columns
                              where table_schema = %s and table_name = %s and column_name <> all(%s)
                              order by ordinal_position""", [schema, name, ignored]).fetchall()
    return ", ".join(f'"{column}"' for (column,) in columns)
