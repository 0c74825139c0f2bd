"""The set-based SQL that validates a landed file and routes every row to raw or quarantine.

A file goes through two steps. `checked_sql` takes its landed fields, normalises them (full-
width digits, thousands separators, dates written YYYYMMDD or YYYY/M/D), checks types and
enumerations, casts and applies the source's quarantine rules (orchestration/rules.py), naming
the first reason that applies, and `duplicate_keys_sql` marks the repeated keys of the file;
this needs no other file. Then `dangling_references_sql` marks reversals of settlements that
were never loaded, `insert_valid_sql` inserts the valid rows into `raw.<source>` (when a key
turns out to be loaded by another file, `already_loaded_sql` marks those rows first), and
`quarantine_sql` inserts the others into `quarantine.<source>`.
The file, load id and month are inlined as literals: the statement has no parameters, so the
`%` of its `format()` calls need no escaping.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from orchestration.loading.reading import COLUMNS, LINES, PARSED, LandingFile
from orchestration.rules import QUARANTINE, ROWS, loaded_keys, row_rules
from orchestration.sources import Column, Source

LANDING_TABLE = "pg_temp.landing"

# Every check is a cheap function call or comparison: PostgreSQL's regular expressions cost
# as much as the rest of a value's checks, which, on 15 amount columns, would dominate a load.
_AMOUNT_LIMIT = "1e12"  # numeric(14,2)
_FULL_WIDTH = "'０１２３４５６７８９．－／：', '0123456789.-/:'"
_THOUSANDS = r"'^-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$'"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _type_failure(column: Column) -> tuple[str, str] | None:
    """(condition on the text value, description) of a value of the wrong type. The loader's
    functions test what the server's input functions accept (raw_schema.py)."""
    v = column.name
    kind = column.kind
    if kind == "date":
        return f"not loader.is_date({v})", "not a date (YYYY-MM-DD)"
    if kind == "month":
        return f"(length({v}) <> 7 or not loader.is_date({v} || '-01'))", "not a month (YYYY-MM)"
    if kind == "amount":
        return f"not loader.is_numeric({v})", "not an amount"
    if kind == "integer":
        return f"not loader.is_integer({v})", "not an integer"
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
        reason = f"'{v}: {description}'" if column.personal else f"format('{v}: {description}: %s', {v})"
        branches.append(f"when {condition} then {reason}")  # a reason quotes no personal data
    return branches


def _amount_checks(column: Column) -> list[str]:
    """CASE branches on a parsed amount: yuan with at most 2 decimals, signed only if allowed."""
    v = f"t.{column.name}"
    # NaN and ±Infinity (valid numeric input) sort above every number: the limit catches them.
    bad = f"scale({v}) > 2 or abs({v}) >= {_AMOUNT_LIMIT}"
    branches = [f"when {bad} then format('{column.name}: not an amount (yuan, up to 2 decimals): %s', {v})"]
    if not column.signed:
        branches.append(f"when {v} < 0 then format('{column.name}: negative amount: %s', {v})")
    return branches


def _cast(column: Column) -> str:
    v = column.name
    casts = {
        "date": f"{v}::date",
        "month": f"({v} || '-01')::date",
        "amount": f"{v}::numeric",  # no typmod: it would round away a third decimal
        "integer": f"{v}::integer",
        "flag": f"{v} = '1'",
    }
    return casts.get(column.kind, v)


def _month_literal(month: str | None) -> str:
    return f"date '{month}-01'" if month else "null::date"


def file_rows_sql(source: Source, month: str | None) -> str:
    """The condition on `raw.<source>` (or `quarantine.<source>`) for the rows a file holds:
    its month's, or all of them for a reference file (a whole snapshot)."""
    return f"_month = {_month_literal(month)}" if source.monthly else "true"


@dataclass(frozen=True)
class Batch:
    """What the statement stamps on every row it writes."""

    file: str  # path relative to the landing directory
    load_id: int
    month: str | None  # YYYY-MM of a monthly file

    @property
    def month_sql(self) -> str:
        return _month_literal(self.month)


def _rule_checks(source: Source, month: str | None) -> list[str]:
    branches = [b for c in source.columns if c.kind == "amount" for b in _amount_checks(c)]
    if source.month_column:
        col = source.month_column
        year, number = map(int, month.split("-"))
        following = f"{year + number // 12}-{number % 12 + 1:02d}"
        branches.append(
            f"when t.{col} < date '{month}-01' or t.{col} >= date '{following}-01' then "
            f"format('{col} %s outside the file''s month {month}', t.{col})"
        )
    branches += [f"when {rule.broken.replace(ROWS, 'typed')} then {_literal(rule.reason)}"
                 for rule in row_rules(source.name, QUARANTINE)]
    return branches


_NORMALIZERS = {"date": "loader.iso_date", "month": "loader.iso_month"}


def _normalized(column: Column, thousands: bool) -> str:
    """The column's text value, dates and months rewritten to ISO form when written otherwise,
    and amounts without thousands separators ("1,234.50") when the file can hold them.

    The ISO test is inlined so that the common, already-ISO value costs no function call.
    """
    v = column.name
    if column.kind == "amount" and thousands:
        return f"case when strpos({v}, ',') > 0 and {v} ~ {_THOUSANDS} then replace({v}, ',', '') else {v} end as {v}"
    function = _NORMALIZERS.get(column.kind)
    if not function:
        return v
    length = 10 if column.kind == "date" else 7
    return (f"case when {v} is null or (length({v}) = {length} and substr({v}, 5, 1) = '-') then {v} "
            f"else {function}({v}) end as {v}")


@dataclass(frozen=True)
class Landed:
    """How a file's rows sit in the temporary table `pg_temp.landing`, by its shape (reading.py).

    COLUMNS: COPY split each line into one text column per header field (`c1` … `cN`): the fast
    path, for files whose every line has the header's number of delimiters and nothing to trim.
    LINES: one row per physical line (`raw_line`), split into fields here. PARSED: one row per
    CSV record that Python parsed, with its text as written (`raw_line`), its number of fields
    and the header's fields (`c1` … `cN`).
    """

    header: list[str]
    header_line: str
    shape: str
    delimiter: str = ","
    encoding: str = "UTF8"
    full_width: bool = False  # full-width digits to normalise

    @classmethod
    def of(cls, landing: LandingFile) -> Landed:
        return cls(landing.header, landing.header_line, landing.shape, landing.delimiter, landing.encoding,
                   landing.full_width)

    def by_line(self) -> Landed:
        """The same file landed by line (when COPY could not split it)."""
        return replace(self, shape=LINES)

    @property
    def _fields(self) -> range:
        return range(1, len(self.header) + 1)

    @property
    def _columns(self) -> str:
        return ", ".join(f"c{i}" for i in self._fields)

    def ddl(self) -> str:
        columns = ", ".join(f"c{i} text" for i in self._fields)
        content = {COLUMNS: columns, LINES: "raw_line text", PARSED: f"raw_line text, field_count integer, {columns}"}
        content = content[self.shape]
        return (f"create temporary table landing (line_number integer generated by default as identity "
                f"(start with 2), {content}) on commit drop")

    def copy_sql(self) -> str:
        """The COPY statement that lands the file's data."""
        table = LANDING_TABLE
        if self.shape == PARSED:
            return f"copy {table} (line_number, raw_line, field_count, {self._columns}) from stdin"
        # By line, each physical line becomes one value: these delimiter and quote bytes never
        # occur in the data (reading.py sends files that contain them through Python instead).
        if self.shape == LINES:
            columns, split = "raw_line", "delimiter e'\\x1f', quote e'\\x1e'"
        else:
            columns, split = self._columns, f"delimiter {_literal(self.delimiter)}"
        return f"copy {table} ({columns}) from stdin (format csv, {split}, encoding '{self.encoding}')"

    def raw_line(self, alias: str) -> str:
        """The line as written, from the landing row `alias` (by column: rejoined, exact)."""
        if self.shape != COLUMNS:
            return f"{alias}.raw_line"
        fields = ", ".join(f"coalesce({alias}.c{i}, '')" for i in self._fields)
        return f"concat_ws({_literal(self.delimiter)}, {fields})"

    def rows_read_sql(self) -> str:
        where = " where raw_line <> ''" if self.shape == LINES else ""
        return f"select count(*) from {LANDING_TABLE}{where}"

    def texts_sql(self, source: Source) -> str:
        """line_number, field_count, is_repeated_header and each contract column as text."""
        position = {name: i + 1 for i, name in enumerate(self.header)}
        field = {COLUMNS: "c{}", LINES: "nullif(btrim(f[{}]), '')", PARSED: "nullif(btrim(c{}), '')"}[self.shape]
        fields = {c.name: field.format(position[c.name]) for c in source.columns}
        if self.full_width:
            fields = {name: f"translate({text}, {_FULL_WIDTH})" for name, text in fields.items()}
        values = ", ".join(f"{text} as {name}" for name, text in fields.items())
        if self.shape == COLUMNS:
            first, second = (_literal(v) for v in self.header_line.split(self.delimiter)[:2])
            return (f"select line_number, {len(self.header)} as field_count, "
                    f"coalesce(c1 = {first} and c2 = {second}, false) as is_repeated_header, {values} "
                    f"from {LANDING_TABLE} offset 0")
        repeated_header = f"raw_line = {_literal(self.header_line)} as is_repeated_header"
        if self.shape == PARSED:
            return f"select line_number, field_count, {repeated_header}, {values} from {LANDING_TABLE} offset 0"
        return (f"select line_number, cardinality(f) as field_count, {repeated_header}, {values} "
                f"from {LANDING_TABLE}, lateral (select string_to_array(raw_line, {_literal(self.delimiter)}) "
                f"as f offset 0) split where raw_line <> '' offset 0")

    @property
    def thousands(self) -> bool:
        """Whether an amount may hold thousands separators: quoted, or beside another delimiter."""
        return self.shape == PARSED or self.delimiter != ","


CHECKED_TABLE = "pg_temp.checked"


def checked_sql(source: Source, month: str | None, landed: Landed) -> str:
    """SQL that types and checks every landed row into `pg_temp.checked`.

    The table holds each row's line number, its typed contract columns and `reason`: the first
    row rule it breaks (null for a valid row). Every row must have the header's number of fields.
    `offset 0` keeps PostgreSQL from inlining a subquery, which would evaluate each parsed field
    or check once per reference instead of once per row. Nothing here depends on other files' rows.
    """
    columns = source.columns
    field_count = len(landed.header)
    normalized = ", ".join(_normalized(c, landed.thousands) for c in columns)
    type_branches = "\n            ".join(b for c in columns for b in _type_checks(c))
    casts = ",\n        ".join(f"case when type_reason is null then {_cast(c)} end as {c.name}" for c in columns)
    rule_branches = "\n            ".join(_rule_checks(source, month))
    rule_case = f"case\n            {rule_branches}\n        end" if rule_branches else "null::text"
    return f"""
create temporary table checked on commit drop as
with texts as (
    {landed.texts_sql(source)}
),
normalized as (
    select line_number, field_count, is_repeated_header, {normalized}
    from texts
    offset 0
),
typed as (
    select line_number, type_reason,
        {casts}
    from (
        select normalized.*, case
            when is_repeated_header then 'repeated header row'
            when field_count <> {field_count} then format('expected {field_count} fields, found %s', field_count)
            {type_branches}
        end as type_reason
        from normalized
        offset 0
    ) checked
    offset 0
)
select t.*, coalesce(t.type_reason, {rule_case}) as reason
from typed t
"""


def duplicate_keys_sql(source: Source) -> str:
    """SQL that marks the valid checked rows whose key (all columns required) an earlier line of
    the file has: the first line keeps the key.

    The repeated keys are found by hashing the keys alone; numbering the rows of each key with a
    window function would sort the whole typed rows, on disk.
    """
    key = ", ".join(source.key)
    match = " and ".join(f"c.{k} = d.{k}" for k in source.key)
    return (f"update {CHECKED_TABLE} c set reason = 'duplicate {'/'.join(source.key)} within the file' "
            f"from (select {key}, min(line_number) as first_line from {CHECKED_TABLE} where reason is null "
            f"group by {key} having count(*) > 1) d "
            f"where c.reason is null and {match} and c.line_number > d.first_line")


def already_loaded_sql(source: Source) -> str:
    """SQL that marks the checked rows whose key another file of the source already loaded.

    Runs after the file's own earlier rows (its month) were deleted, in the same transaction:
    on a single server only once the raw table's unique index has refused a key, on Citus
    before every insert (loader._insert_valid_rows).
    """
    key_name = "/".join(source.key)
    key = ", ".join(f"c.{k}" for k in source.key)
    return (f"update {CHECKED_TABLE} c set reason = '{key_name} already loaded from another file' "
            f"where c.reason is null and ({key}) in ({loaded_keys(source.name, source.key, source.key, CHECKED_TABLE)})")


def insert_valid_sql(source: Source, batch: Batch) -> str:
    """SQL that inserts the checked rows without a reason into `raw.<source>`."""
    names = [c.name for c in source.columns]
    lineage = ["_file", "_line_number", "_load_id"] + (["_month"] if source.monthly else [])
    values = [_literal(batch.file), "line_number", str(batch.load_id)] + ([batch.month_sql] if source.monthly else [])
    return f"""
insert into raw.{source.name} ({", ".join(names + lineage)})
select {", ".join(names + values)}
from {CHECKED_TABLE}
where reason is null
"""


def quarantine_sql(source: Source, batch: Batch, landed: Landed) -> str:
    """SQL that inserts the checked rows with a reason, with their line as written, into
    `quarantine.<source>`."""
    return f"""
insert into quarantine.{source.name} (file, line_number, raw_line, reason, _month, _load_id)
select {_literal(batch.file)}, c.line_number, {landed.raw_line("l")}, c.reason, {batch.month_sql}, {batch.load_id}
from {CHECKED_TABLE} c
join {LANDING_TABLE} l on l.line_number = c.line_number
where c.reason is not null
"""


def dangling_references_sql(source: Source) -> str:
    """SQL that marks the checked rows whose reference (a reversal's `reversal_of`) names no
    key: neither one loaded from this or another file before nor a valid row of this file.

    Runs after the file's own earlier rows (its month) were deleted, before its rows are inserted.
    """
    column, key = source.refers_to_own_key
    return (f"update {CHECKED_TABLE} c set reason = '{column} names no loaded {key}' "
            f"where c.reason is null and c.{column} is not null and (c.{column} = c.{key} or ("
            f"c.{column} not in (select {key} from {CHECKED_TABLE} where reason is null) "
            f"and c.{column} not in ({loaded_keys(source.name, (key,), (column,), CHECKED_TABLE)})))")
