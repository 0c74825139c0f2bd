"""docs/marts.md's example queries run as the analysts' role on a generated warehouse and find rows:
a renamed mart or column, or a mart the reader cannot read, fails here, not in an analyst's hands."""

from __future__ import annotations

import re

import psycopg
import pytest

from dashboards.reader import READER, reader_url
from orchestration.landing_docs import ROOT

PAGE = ROOT / "docs" / "marts.md"
QUERIES = re.findall(r"```sql\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)


def test_the_page_has_an_example_for_every_mart(generated):
    marts = {name for (name,) in generated.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'")}
    queried = {name for query in QUERIES for name in re.findall(r"marts\.(\w+)", query)}
    assert sorted(marts - queried) == []
    assert sorted(queried - marts) == []


@pytest.fixture(scope="module")
def generated(generated_warehouse):
    """The session's generated warehouse of two years (the examples query 2025-H1)."""
    with psycopg.connect(generated_warehouse[0], autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def reader(generated):
    with psycopg.connect(reader_url(generated.info.dsn), autocommit=True) as conn:
        assert conn.info.user == READER
        yield conn


@pytest.mark.parametrize("query", QUERIES, ids=[q.splitlines()[0].removeprefix("-- ")[:60] for q in QUERIES])
def test_an_example_query_finds_rows_as_the_reader(reader, query):
    assert reader.execute(query).fetchall()
