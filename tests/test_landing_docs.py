"""docs/landing.md against the code it documents (orchestration/landing_docs.py generates its tables)."""

from __future__ import annotations

from orchestration.landing_docs import PAGE, main, render
from orchestration.rules import FILE_RULES, ROW_RULES
from orchestration.sources import ALL_SOURCES


def test_the_page_is_up_to_date():
    assert main(["--check"]) == 0, "run: python -m orchestration.landing_docs"


def test_the_page_names_every_file_column_and_rule():
    page = PAGE.read_text(encoding="utf-8")
    for source in ALL_SOURCES:
        assert f"### `{source.file_name('YYYY-MM')}`" in page
        for column in source.columns:
            assert f"| `{column.name}` |" in page, (source.name, column.name)
    for rule in [*FILE_RULES, *(rule for rules in ROW_RULES.values() for rule in rules)]:
        assert f"`{rule.name}`" in page, rule.name
    assert "{{" not in page and "{%" not in page, "a dbt doc() reference left unresolved"


def test_stale_generated_parts_are_written_anew_and_the_text_around_them_kept():
    page = "Before.\n<!-- generated: file-checks -->\nstale\n<!-- end generated -->\nAfter.\n"
    rendered = render(page)
    assert rendered.startswith("Before.\n<!-- generated: file-checks -->\n| check | severity | finding |")
    assert "stale" not in rendered and rendered.endswith("<!-- end generated -->\nAfter.\n")
    assert all(f"`{rule.name}`" in rendered for rule in FILE_RULES)
