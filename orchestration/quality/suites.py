"""The Great Expectations suites of the warehouse, generated from the rule catalogue (no GX import here).

Every rule of `orchestration/rules.py` that the data-quality step applies (severity `critical`
or `warning`) is one expectation; the quarantine rules are the loader's. Each suite validates
a *batch* (`batches.py`): the rows of the files loaded and not yet passed.

- `<source>`, for each source with row warnings: the view `quality.<source>` holds, per raw row
  of the batch, `_file`, `_line_number` and one column per rule, `true` where the rule holds
  and NULL where it is broken, checked with `expect_column_values_to_not_be_null`. Every rule is
  then computed once per row, in the single aggregate query GX makes for all column
  expectations of a batch. A broken rule is named by `_file` and `_line_number`, never by a
  value of the row.
- `file_loads`: per file of the batch, its audit row beside what raw and quarantine hold of it,
  the columns of its raw table and the previous months' rows, and a column per file rule.
- `fct_settlements`: after dbt, per month, the settlement fact reconciled with raw.

`build_context.py` writes them into the committed file context `expectations/gx/`; checks
read them from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestration.rules import CRITICAL, FILE_RULES, ROWS, WARNING, Rule, row_rules
from orchestration.sources import ALL_SOURCES, PAYMENTS, Source

SCHEMA = "quality"  # the batch views and per-file tables the suites validate
# A batch is a set of loads: queries name them with these placeholders, which `Suite.ddl` fills
# with literal arrays, so PostgreSQL plans each batch for its size (the `_month` index for one
# month, a parallel scan for a year).
LOAD_IDS, MONTHS = "$LOAD_IDS", "$MONTHS"
LINEAGE = {"_file": "text", "_line_number": "integer", "_load_id": "bigint", "_month": "date"}


def raw_schema(source: Source) -> str:
    """The columns and types of raw.<source> as PostgreSQL's format_type() names them."""
    lineage = [(k, v) for k, v in LINEAGE.items() if source.monthly or k != "_month"]
    return ", ".join(f"{name} {type_}" for name, type_ in [*((c.name, c.sql_type) for c in source.columns), *lineage])


@dataclass
class Suite:
    """A suite, the query of its batch and the columns that name an unexpected row."""

    name: str
    query: str
    expectations: list[dict] = field(default_factory=list)
    index_columns: tuple[str, ...] = ("_file", "_line_number")
    materialized: bool = False  # a small table filled per check (one row per file), else a view

    def ddl(self, load_ids: list[int], months: list) -> str:
        """The view (or table) of the batch of these loads."""
        kind = "table" if self.materialized else "view"
        query = (self.query.replace(LOAD_IDS, f"'{{{','.join(map(str, load_ids))}}}'::bigint[]")
                 .replace(MONTHS, f"'{{{','.join(sorted({str(m) for m in months}))}}}'::date[]"))
        return f"create {kind} {SCHEMA}.{self.name} as\n{query}"

    def expect(self, kind: str, description: str, severity: str = CRITICAL, **kwargs) -> None:
        self.expectations.append({"type": kind, "kwargs": kwargs, "description": description,
                                  "severity": severity, "meta": {}})

    def between(self, column: str, low, high, description: str) -> None:
        self.expect("expect_column_values_to_be_between", description, column=column, min_value=low, max_value=high)

    def expect_rules(self, rules: tuple[Rule, ...]) -> None:
        """One expectation per rule: its column of the batch is never NULL (never broken)."""
        for rule in rules:
            self.expect("expect_column_values_to_not_be_null", rule.reason, rule.severity, column=rule.name)


def _rule_columns(rules: tuple[Rule, ...], rows: str = "") -> str:
    """A column per rule; `rows` is the table expression of the checked rows (rules.ROWS)."""
    return "".join(f",\n       case when {rule.broken.replace(ROWS, rows)} then null else true end as {rule.name}"
                   for rule in rules)


def _batch_filter(source: Source, alias: str = "") -> str:
    """Rows of the loads in the batch; monthly tables are also cut by month (indexed)."""
    prefix = f"{alias}." if alias else ""
    where = f"{prefix}_load_id = any({LOAD_IDS})"
    return where + (f" and {prefix}_month = any({MONTHS})" if source.monthly else "")


def source_suite(source: Source) -> Suite:
    """The row warnings of the source on the raw rows of the batch."""
    rules = row_rules(source.name, WARNING)
    batch = f"(select * from raw.{source.name} where {_batch_filter(source)}) batch"
    query = (f"select t._file, t._line_number{_rule_columns(rules, batch)}\nfrom raw.{source.name} t\n"
             f"where {_batch_filter(source, 't')}")
    suite = Suite(source.name, query)
    suite.expect_rules(rules)
    return suite


def _counts(schema: str) -> str:
    """(load_id, rows) of every source's table in `schema`, for the loads in the batch."""
    return "\n        union all ".join(
        f"select _load_id, count(*) from {schema}.{s.name} where {_batch_filter(s)} group by 1"
        for s in ALL_SOURCES)


def _duplicate_keys() -> str:
    """(load_id, rows with a repeated key) of the sources whose key the raw table does not
    enforce (a key unique across months has a unique index)."""
    return "\n        union all ".join(
        f"select _load_id, count(*) - count(distinct ({', '.join(s.key)})) from raw.{s.name} "
        f"where {_batch_filter(s)} group by 1"
        for s in ALL_SOURCES if s.key and not s.key_across_months)


_EXPECTED_SCHEMAS = ",\n        ".join(f"('{s.name}', '{raw_schema(s)}')" for s in ALL_SOURCES)

# The audit row `f` of each file that the file rules see.
FILE_LOADS_QUERY = f"""\
select f.*{_rule_columns(FILE_RULES)}
from (
    select f.load_id, f.source, f.file as _file, f.month, f.rows_read, f.rows_loaded, f.rows_quarantined,
           coalesce(r.rows, 0) as raw_rows, coalesce(q.rows, 0) as quarantine_rows,
           coalesce(k.rows, 0) as duplicate_keys, schema.columns as raw_columns,
           expected.columns as expected_columns, p.rows as previous_rows
    from audit.file_loads f
    left join (
        {_counts('raw')}
    ) r (load_id, rows) on r.load_id = f.load_id
    left join (
        {_counts('quarantine')}
    ) q (load_id, rows) on q.load_id = f.load_id
    left join (
        {_duplicate_keys()}
    ) k (load_id, rows) on k.load_id = f.load_id
    left join (values
        {_EXPECTED_SCHEMAS}
    ) expected (source, columns) on expected.source = f.source
    left join lateral (
        select string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' order by a.attnum)
               as columns
        from pg_attribute a where a.attrelid = ('raw.' || f.source)::regclass and a.attnum > 0 and not a.attisdropped
    ) schema on true
    left join lateral (
        -- mean rows of the latest loads of the previous three months (monthly sources), or of
        -- the previous load of the same file (reference files). A source's first month is the
        -- state it starts from (enrollment: everyone insured by then), not a month's flow: it is
        -- no month's baseline.
        select avg(rows_loaded) as rows from (
            select distinct on (coalesce(p.month, f.month)) p.rows_loaded
            from audit.file_loads p
            where p.source = f.source and p.status = 'loaded' and p.load_id <> f.load_id
              and case when f.month is null then p.file = f.file and p.load_id < f.load_id
                       else p.month >= f.month - interval '3 months' and p.month < f.month
                            and p.month > (select min(month) from audit.file_loads
                                           where source = f.source and status = 'loaded') end
            order by coalesce(p.month, f.month), p.load_id desc
        ) previous
    ) p on true
    where f.load_id = any({LOAD_IDS})
) f"""


def file_loads_suite() -> Suite:
    """Per file: the catalogue's file rules (its counts add up and match raw and quarantine,
    the key, the schema, aggregates; volume and share quarantined as warnings)."""
    suite = Suite("file_loads", FILE_LOADS_QUERY, index_columns=("_file",), materialized=True)
    suite.expect_rules(FILE_RULES)
    return suite


_FACT_SUMS = ("total_cost", *PAYMENTS)
_SUMS = ", ".join(f"sum({c}) as {c}" for c in _FACT_SUMS)
_GAPS = ",\n       ".join(f"coalesce(r.{c}, 0) - coalesce(f.{c}, 0) as {c}_gap" for c in _FACT_SUMS)
FCT_SETTLEMENTS_QUERY = f"""\
select m.load_id, m.file as _file, m.month,
       coalesce(r.rows, 0) - coalesce(f.rows, 0) as rows_gap,
       {_GAPS}
from audit.file_loads m
left join (
    select _month as month, count(*) as rows, {_SUMS}
    from raw.settlement where _month = any({MONTHS}) group by 1
) r on r.month = m.month
left join (
    select settlement_month as month, count(*) as rows, {_SUMS}
    from marts.fct_settlements where settlement_month = any({MONTHS}) group by 1
) f on f.month = m.month
where m.load_id = any({LOAD_IDS})"""


def fct_settlements_suite() -> Suite:
    """Per month: the settlement fact holds the raw rows and the same sums of money."""
    s = Suite("fct_settlements", FCT_SETTLEMENTS_QUERY, index_columns=("_file",), materialized=True)
    s.between("rows_gap", 0, 0, "the fact has as many settlements as raw")
    for column in _FACT_SUMS:
        s.between(f"{column}_gap", 0, 0, f"Σ {column} in the fact equals Σ {column} in raw")
    return s


def source_suites() -> list[Suite]:
    """A suite for each source that has row warnings."""
    return [source_suite(s) for s in ALL_SOURCES if row_rules(s.name, WARNING)]


def all_suites() -> dict[str, Suite]:
    suites = [*source_suites(), file_loads_suite(), fct_settlements_suite()]
    return {suite.name: suite for suite in suites}
