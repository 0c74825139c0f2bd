"""The landing interface page for a bureau's data engineers (docs/landing.md), generated where it
describes what the code decides: every file, column and rule comes from the landing spec
(sources.py), the rule catalogue (rules.py) and the raw sources' column descriptions in dbt
(`_bureau__sources.yml` and the doc blocks it names), so the page cannot drift from the loader.

    python -m orchestration.landing_docs            # rewrite the generated parts of docs/landing.md
    python -m orchestration.landing_docs --check    # exit 1 when they are out of date

The page is written by hand around its generated parts, each between a line
`<!-- generated: NAME -->` and a line `<!-- end generated -->`; NAME is one of PARTS.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from orchestration.rules import CRITICAL, FILE_RULES, QUARANTINE, WARNING, row_rules
from orchestration.sources import ALL_SOURCES, Column, Source

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "landing.md"
DBT_MODELS = ROOT / "dbt_project" / "models"
RAW_SOURCES_YML = DBT_MODELS / "staging" / "bureau" / "_bureau__sources.yml"

_BLOCK = re.compile(r"(<!-- generated: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S)
_DOC_BLOCK = re.compile(r"{%\s*docs\s+(\w+)\s*%}(.*?){%\s*enddocs\s*%}", re.S)
_DOC_REF = re.compile(r"""{{\s*doc\(["'](\w+)["']\)\s*}}""")

_KINDS = {
    "text": "text",
    "date": "date `YYYY-MM-DD`",
    "month": "month `YYYY-MM`",
    "integer": "integer",
    "flag": "`0` or `1`",
}


def column_descriptions() -> dict[str, dict[str, str]]:
    """source → column → its description in dbt's raw sources, doc() references resolved."""
    blocks = {name: text.strip() for path in DBT_MODELS.rglob("*.md")
              for name, text in _DOC_BLOCK.findall(path.read_text(encoding="utf-8"))}
    spec = yaml.safe_load(RAW_SOURCES_YML.read_text(encoding="utf-8"))
    return {table["name"]: {column["name"]: _DOC_REF.sub(lambda ref: blocks[ref[1]], column.get("description", ""))
                            for column in table.get("columns", [])}
            for source in spec["sources"] for table in source["tables"]}


def kind_text(column: Column) -> str:
    """The accepted values of a column, in words."""
    if column.kind == "enum":
        text = "one of " + " ".join(f"`{value}`" for value in column.values)
    elif column.kind == "amount":
        text = "amount in yuan, up to 2 decimals" + ("" if column.signed else ", ≥ 0")
    else:
        text = _KINDS[column.kind]
    if column.pattern:
        text += f" matching `{column.pattern}`"
    return text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def columns_table(source: Source, descriptions: dict[str, str]) -> list[str]:
    rows = ["| column | values | required | meaning |", "| --- | --- | --- | --- |"]
    for column in source.columns:
        meaning = descriptions.get(column.name, "")
        rows.append(f"| `{column.name}` | {_cell(kind_text(column))} | {'yes' if column.required else 'may be empty'} "
                    f"| {_cell(meaning)} |")
    return rows


def type_checks(source: Source) -> list[str]:
    """What the loader checks first, from the source's declaration, with the reason a row gets."""
    checks = ["a value for every required column (`<column>: required`), each value of its column's kind "
              "(`<column>: not a date (YYYY-MM-DD)`, `not an amount`, `not one of …`, …), the header's number "
              "of fields (`expected N fields, found M`); a repeated header line is quarantined too"]
    if source.month_column:
        checks.append(f"`{source.month_column}` in the file's month (`{source.month_column} … outside the file's "
                      f"month YYYY-MM`)")
    return checks


def key_checks(source: Source) -> list[str]:
    """What the loader checks last, on the rows that broke no other rule."""
    checks = []
    if source.key:
        key = "/".join(source.key)
        checks.append(f"`{key}` unique in the file (`duplicate {key} within the file`: the first row loads)")
    if source.key_across_months:
        checks.append(f"`{key}` unique across months (`{key} already loaded from another file`)")
    if source.refers_to_own_key:
        column, key = source.refers_to_own_key
        checks.append(f"`{column}`, when set, names a `{key}` loaded before or valid in this file "
                      f"(`{column} names no loaded {key}`)")
    return checks


def rules_list(source: Source) -> list[str]:
    catalogue = [f"`{rule.reason}` (`{rule.name}`)" for rule in row_rules(source.name, QUARANTINE)]
    lines = [f"- {check}" for check in (*type_checks(source), *catalogue, *key_checks(source))]
    warnings = row_rules(source.name, WARNING)
    if warnings:
        lines += ["", "Warnings (reported by the data-quality checks, the row stays loaded):", ""]
        lines += [f"- `{rule.reason}` (`{rule.name}`)" for rule in warnings]
    return lines


def source_section(source: Source, descriptions: dict[str, str]) -> list[str]:
    path = source.file_name("YYYY-MM")
    kind = "one file per month, which replaces that month" if source.monthly else "a full snapshot, which replaces the previous one"
    optional = ("; optional" + (": the folder may be absent" if source.monthly else ": the file may be absent")
                if source.optional else "")
    lines = [f"### `{path}`", "", f"{source.comment}: {kind}{optional}."]
    if source.lookups:
        lines[-1] += " Its rules look up " + ", ".join(f"`{name}`" for name in source.lookups) + \
            ", which are loaded first; a change there loads this file again."
    lines += ["", *columns_table(source, descriptions), "",
              "Quarantined, in this order (the first broken names the row's `reason`):", "", *rules_list(source)]
    return lines


def layout() -> list[str]:
    rows = ["| file | delivery | key | what |", "| --- | --- | --- | --- |"]
    for source in ALL_SOURCES:
        delivery = "monthly" if source.monthly else "snapshot"
        rows.append(f"| [`{source.file_name('YYYY-MM')}`](#{_anchor(source)}) | {delivery}"
                    f"{', optional' if source.optional else ''} | {', '.join(f'`{k}`' for k in source.key) or '—'} "
                    f"| {_cell(source.comment)} |")
    return rows


def _anchor(source: Source) -> str:
    """GitHub's anchor of the source's heading (`### `settlement/YYYY-MM.csv``)."""
    return re.sub(r"[^a-z0-9 _-]", "", source.file_name("YYYY-MM").lower()).replace(" ", "-")


def sources() -> list[str]:
    descriptions = column_descriptions()
    lines: list[str] = []
    for source in ALL_SOURCES:
        lines += [*source_section(source, descriptions.get(source.name, {})), ""]
    return lines[:-1]


def file_checks() -> list[str]:
    rows = ["| check | severity | finding |", "| --- | --- | --- |"]
    rows += [f"| `{rule.name}` | {rule.severity} | `{_cell(rule.reason)}` |"
             for rule in FILE_RULES if rule.severity in (CRITICAL, WARNING)]
    return rows


PARTS = {"layout": layout, "sources": sources, "file-checks": file_checks}


def render(page: str) -> str:
    """The page with each generated part written anew."""
    def part(match: re.Match) -> str:
        return f"{match[1]}{chr(10).join(PARTS[match['name']]())}\n{match[4]}"
    return _BLOCK.sub(part, page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the generated parts of docs/landing.md.")
    parser.add_argument("--check", action="store_true", help="exit 1 when the page is out of date, change nothing")
    args = parser.parse_args(argv)
    page = PAGE.read_text(encoding="utf-8")
    current = render(page)
    if args.check:
        if current != page:
            print(f"{PAGE} is out of date: run python -m orchestration.landing_docs", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(current, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
