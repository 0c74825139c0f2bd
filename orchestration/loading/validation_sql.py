"""The set-based SQL that validates a landed file and routes every row to raw or quarantine.

One statement per file: it splits the landed lines into fields, checks types and enumerations,
casts, applies the source's row rules and key uniqueness, then inserts the valid rows into
`raw.<source>` and the others into `quarantine.<source>` with the first reason that applies.
The file, load id and month are inlined as literals: the statement has no parameters, so the
`%` of its `format()` calls need no escaping.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.sources import Column, Source

LANDING_TABLE = "pg_temp.landing"

_AMOUNT = r"^-?\d{1,12}(\.\d{1,2})?$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_MONTH = r"^\d{4}-\d{2}$"
_INTEGER = r"^-?\d{1,9}$"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _type_failure(column: Column) -> tuple[str, str] | None:
    """(condition on the text value `v`, description) of a value of the wrong type."""
    v = column.name
    kind = column.kind
    if kind == "date":
        return f"({v} !~ '{_DATE}' or not pg_input_is_valid({v}, 'date'))", "not a date (YYYY-MM-DD)"
    if kind == "month":
        return f"({v} !~ '{_MONTH}' or not pg_input_is_valid({v} || '-01', 'date'))", "not a month (YYYY-MM)"
    if kind == "amount":
        return f"{v} !~ '{_AMOUNT}'", "not an amount (yuan, up to 2 decimals)"
    if kind == "integer":
        return f"{v} !~ '{_INTEGER}'", "not an integer"
    if kind == "flag":
        return f"{v} not in ('0', '1')", "not 0 or 1"
    if kind == "enum":
        allowed = ", ".join(_literal(value) for value in column.values)
        return f"{v} not in ({allowed})", "not one of " + ", ".join(column.values)
    if column.pattern:
        return f"{v} !~ {_literal(column.pattern)}", f"does not match {column.pattern}"
    return None


def _type_checks(column: Column) -> list[str]:
    """CASE branches that name the first type problem of the column's text value."""
    v = column.name
    branches = []
    if column.required:
        branches.append(f"when {v} is null then '{v}: required'")
    failure = _type_failure(column)
    if failure:
        condition, description = failure
        branches.append(f"when {condition} then format('%s: {description}: %s', '{v}', {v})")
    if column.kind == "amount" and not column.signed:
        branches.append(f"when {v} like '-%' then format('{v}: negative amount: %s', {v})")
    return branches


def _cast(column: Column) -> str:
    v = column.name
    casts = {
        "date": f"{v}::date",
        "month": f"({v} || '-01')::date",
        "amount": f"{v}::numeric(14,2)",
        "integer": f"{v}::integer",
        "flag": f"{v} = '1'",
    }
    return casts.get(column.kind, v)


@dataclass(frozen=True)
class Batch:
    """What the statement stamps on every row it writes."""

    file: str  # path relative to the landing directory
    load_id: int
    month: str | None  # YYYY-MM of a monthly file

    @property
    def month_sql(self) -> str:
        return f"date '{self.month}-01'" if self.month else "null::date"


def _rule_checks(source: Source, batch: Batch) -> list[str]:
    branches = []
    if source.month_column:
        col = source.month_column
        branches.append(
            f"when date_trunc('month', t.{col})::date <> {batch.month_sql} then "
            f"format('{col} %s outside the file''s month {batch.month}', t.{col})"
        )
    branches += [f"when {rule.violated} then {_literal(rule.reason)}" for rule in source.rules]
    return branches


def validate_and_load_sql(source: Source, batch: Batch, positions: dict[str, int], field_count: int) -> str:
    """SQL that moves the landed lines of one file into raw and quarantine.

    `positions` maps each contract column to its 1-based position in the file's rows;
    `field_count` is the number of header columns every row must have. The statement returns
    one row: (rows loaded, rows quarantined).
    """
    columns = source.columns
    names = [c.name for c in columns]
    texts = ",\n        ".join(f"nullif(btrim(f[{positions[c.name]}]), '') as {c.name}" for c in columns)
    type_branches = "\n            ".join(b for c in columns for b in _type_checks(c))
    casts = ",\n        ".join(f"case when type_reason is null then {_cast(c)} end as {c.name}" for c in columns)
    rule_branches = "\n            ".join(_rule_checks(source, batch))
    rule_case = f"case\n            {rule_branches}\n        end" if rule_branches else "null::text"
    key = ", ".join(f"t.{k}" for k in source.key) if source.key else "t.line_number"
    lineage = ["_file", "_line_number", "_load_id"] + (["_month"] if source.monthly else [])
    file = _literal(batch.file)
    lineage_values = [file, "line_number", str(batch.load_id)] + ([batch.month_sql] if source.monthly else [])
    conflict = f"on conflict ({', '.join(source.key)}) do nothing" if source.key_across_months else ""
    return f"""
with split as (
    select line_number, raw_line, coalesce(fields, string_to_array(raw_line, ',')) as f
    from {LANDING_TABLE}
    where raw_line <> ''
),
texts as (
    select line_number, raw_line, cardinality(f) as field_count,
        {texts}
    from split
),
typed as (
    select line_number, raw_line, type_reason,
        {casts}
    from (
        select texts.*, case
            when field_count <> {field_count} then format('expected {field_count} fields, found %s', field_count)
            {type_branches}
        end as type_reason
        from texts
    ) checked
),
ruled as (
    select t.*, coalesce(t.type_reason, {rule_case}) as rule_reason
    from typed t
),
keyed as (
    select t.*, coalesce(
        t.rule_reason,
        case when row_number() over (partition by t.rule_reason is null, {key} order by t.line_number) > 1
             then 'duplicate {"/".join(source.key) or "row"} within the file' end
    ) as reason
    from ruled t
),
loaded as (
    insert into raw.{source.name} ({", ".join(names + lineage)})
    select {", ".join(names + lineage_values)}
    from keyed
    where reason is null
    {conflict}
    returning _line_number
),
quarantined as (
    insert into quarantine.{source.name} (file, line_number, raw_line, reason, _month, _load_id)
    select {file}, k.line_number, k.raw_line,
        coalesce(k.reason, '{"/".join(source.key)} already loaded from another file'),
        {batch.month_sql}, {batch.load_id}
    from keyed k
    where k.reason is not null
       or not exists (select 1 from loaded l where l._line_number = k.line_number)
    returning 1
)
select (select count(*) from loaded), (select count(*) from quarantined)
"""
