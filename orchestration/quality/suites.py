"""The Great Expectations suites of the warehouse, written as data (no GX import here).

One suite per landing source validates the raw rows of the files it has not yet passed (its
*batch*, see `batches.py`); the suite `file_loads` validates the audit of those files; the suite
`fct_settlements` reconciles the settlement fact with raw after dbt. `build_context.py` writes
them into the committed file context `expectations/gx/`; checks read them from there.

Each source suite validates the view `quality.<source>`: the batch's raw rows plus one column
per *rule* (an identity, a date order, a range, a lookup, the ID card check digit …) that is
`true` where the rule holds and NULL where it is broken, checked with
`expect_column_values_to_not_be_null`. Every rule is then computed once per row, in the single
aggregate query GX makes for all column expectations of a batch, and PostgreSQL can run it in
parallel: this is what keeps the checks cheap at a million rows. Unexpected rows are named by
`_file` and `_line_number`; no expectation shows values of a personal column (ID card number,
person_id, birth date).

Severity `critical` marks an error in the data: a blocking Dagster check fails and the dbt
build stops. `warning` marks a statistical or plausibility finding: shown and recorded only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestration.sources import (ALL_SOURCES, COST_PARTS, FUND_FLOWS, FUNDS, NUMBER_PATTERN, PAYMENTS, SETTLEMENT,
                                   SETTLEMENT_AMOUNTS, SOURCES, TEXT_PARAMETERS, Source, sum_sql)

CRITICAL, WARNING = "critical", "warning"
SCHEMA = "quality"  # the batch views and per-file tables the suites validate
# A batch is a set of loads: queries name them with these placeholders, which `Suite.ddl` fills
# with literal arrays, so PostgreSQL plans each batch for its size (the `_month` index for one
# month, a parallel scan for a year).
LOAD_IDS, MONTHS = "$LOAD_IDS", "$MONTHS"

# Beyond these a value is an error, not an outlier.
MAX_COST = 10_000_000  # yuan, one settlement
MAX_STAY_DAYS = 365  # one inpatient stay
MAX_PERSONAL_AMOUNT = 100_000  # yuan, one person's contribution or subsidy
MAX_FUND_AMOUNT = 10_000_000_000  # yuan, one fund flow or annual budget
MAX_INSPECTION_AMOUNT = 100_000_000  # yuan
MAX_AGE = 120
# Statistical bands (warnings).
ROW_COUNT_BAND = (0.5, 1.5)  # rows loaded ÷ mean of the previous (up to) three months …
MIN_ROWS_FOR_BAND = 100  # … when that mean is at least this
MAX_QUARANTINE_SHARE = 0.01
FUND_FLOW_ITEMS = ("contribution_personal", "contribution_employer", "fiscal_subsidy", "interest",
                   "transfer_in", "transfer_out", "other")
ENROLLMENT_CATEGORIES = ("ordinary", "low_income", "extreme_poverty", "poverty_registered", "retired")

PERSONAL = {"id_card_no", "person_id", "birth_date"}  # no expectation may show their values
LINEAGE = {"_file": "text", "_line_number": "integer", "_load_id": "bigint", "_month": "date"}


def raw_schema(source: Source) -> str:
    """The columns and types of raw.<source> as PostgreSQL's format_type() names them."""
    lineage = [(k, v) for k, v in LINEAGE.items() if source.monthly or k != "_month"]
    return ", ".join(f"{name} {type_}" for name, type_ in [*((c.name, c.sql_type) for c in source.columns), *lineage])


@dataclass(frozen=True)
class Rule:
    """A row rule: the view column `name` is true where `holds` (SQL on the raw row `r`) is
    true, NULL where it is false or NULL."""

    name: str
    holds: str
    description: str
    severity: str = CRITICAL


@dataclass
class Suite:
    """A suite, the query of its batch and the columns that name an unexpected row."""

    name: str
    query: str
    expectations: list[dict] = field(default_factory=list)
    index_columns: tuple[str, ...] = ("_file", "_line_number")
    materialized: bool = False  # a small table filled per check (one row per file), else a view
    notes: str = ""

    def ddl(self, load_ids: list[int], months: list) -> str:
        """The view (or table) of the batch of these loads."""
        kind = "table" if self.materialized else "view"
        query = (self.query.replace(LOAD_IDS, f"'{{{','.join(map(str, load_ids))}}}'::bigint[]")
                 .replace(MONTHS, f"'{{{','.join(sorted({str(m) for m in months}))}}}'::date[]"))
        return f"create {kind} {SCHEMA}.{self.name} as\n{query}"

    def expect(self, kind: str, description: str, severity: str = CRITICAL, check: str = "", **kwargs) -> None:
        """Add an expectation; `check` names the Dagster check it feeds when not the default."""
        self.expectations.append({"type": kind, "kwargs": kwargs, "description": description,
                                  "severity": severity, "meta": {"check": check} if check else {}})

    def between(self, column: str, low, high, description: str, severity: str = CRITICAL, check: str = "") -> None:
        self.expect("expect_column_values_to_be_between", description, severity, check,
                    column=column, min_value=low, max_value=high)


def _batch_filter(source: Source, alias: str = "") -> str:
    """Rows of the loads in the batch; monthly tables are also cut by month (indexed)."""
    prefix = f"{alias}." if alias else ""
    where = f"{prefix}_load_id = any({LOAD_IDS})"
    return where + (f" and {prefix}_month = any({MONTHS})" if source.monthly else "")


# Rows a lookup does not apply to, by (source, reference): as in the loader's rule.
LOOKUP_EXEMPTIONS = {("institutions", "counties"): "r.managed_by = 'external'"}


def _registered(source: Source, reference: str) -> Rule:
    """The rows name a row of `reference`: a reference snapshot, or loaded monthly rows (looked
    up through their unique key's index, as the batch has few rows and the table many)."""
    (column,) = SOURCES[reference].key
    if SOURCES[reference].monthly:
        return Rule(f"{reference}_loaded", f"exists (select from raw.{reference} k where k.{column} = r.{column})",
                    f"{column} names a loaded {reference}")
    holds = f"r.{column} in (select {column} from raw.{reference})"
    description = f"{column} is in the registry (reference/{reference}.csv)"
    if exemption := LOOKUP_EXEMPTIONS.get((source.name, reference)):
        holds, description = f"{exemption} or {holds}", f"{description} unless {exemption.removeprefix('r.')}"
    return Rule(f"{column.removesuffix('_code')}_registered", holds, description)


def _in_month(source: Source) -> Rule:
    column = source.month_column
    holds = (f"r.{column} = r._month" if column == "month"
             else f"r.{column} >= r._month and r.{column} < r._month + interval '1 month'")
    return Rule("in_file_month", holds, f"{column} is in the file's month")


def _not_before(later: str, earlier: str) -> Rule:
    return Rule(f"{later}_not_before_{earlier}", f"coalesce(r.{later} >= r.{earlier}, true)",
                f"{later} is not before {earlier}")


def _reversal_known() -> Rule:
    """Reversals naming a settlement that is not in raw (the loader quarantines them, but the
    settlement's month may be re-delivered without it since).

    The reversals of the batch are found once, through the partial index on reversals
    (raw_schema.py), and their ids kept in an array: the rows that are not reversals (nearly
    all) skip the test, and the query stays parallel, which a correlated subquery would not."""
    column, key = SETTLEMENT.refers_to_own_key  # reversal_of, settlement_id
    unknown = (f"array(select u.{key} from raw.settlement u "
               f"where u.{column} is not null and {_batch_filter(SETTLEMENT, 'u')} and not exists ("
               f"select from raw.settlement k where k.{key} = u.{column}))")
    return Rule("reversed_settlement_known", f"r.{column} is null or r.{key} <> all({unknown})",
                "a reversal names a settlement already loaded", WARNING)


_AMOUNTS = ", ".join(f"r.{c}" for c in SETTLEMENT_AMOUNTS)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# GB 11643-1999: 6-digit region, birth date YYYYMMDD, 3-digit sequence (odd for men), and the
# check character '10X98765432'[Σ digit × weight mod 11]. Written for speed, as it runs on every
# enrollment row: 18 bytes (textsend) that trimming the leading ASCII digits leaves empty or 'X'
# are what the regular expression ^[0-9]{17}[0-9X]$ matches, at a fraction of its cost; the
# digits are then read as bytes (get_byte, less 48 for '0' each), not as substrings cast to int.
_ID_VALID = (
    "case when octet_length(r.id_card_no) = 18 "
    "and ltrim(textsend(r.id_card_no), '0123456789'::bytea) in (''::bytea, 'X'::bytea) "
    "then substr('10X98765432', ("
    + " + ".join(f"get_byte(textsend(r.id_card_no), {i}) * {w}" for i, w in enumerate(_ID_WEIGHTS))
    + f" - {ord('0') * sum(_ID_WEIGHTS)}) % 11 + 1, 1) = substr(r.id_card_no, 18, 1) else false end"
)

_TEXT_KEYS = ", ".join(f"'{key}'" for key in TEXT_PARAMETERS)

# The rules of each source, after the lookups and the month rule the spec implies.
RULES: dict[str, list[Rule]] = {
    "settlement": [
        Rule("stay_dates_on_inpatient_only",
             "case when r.visit_type = 'inpatient' then r.admission_date is not null and r.discharge_date is not null "
             "else r.admission_date is null and r.discharge_date is null end",
             "admission_date and discharge_date exactly on inpatient stays"),
        _not_before("discharge_date", "admission_date"),
        Rule("stay_within_limit", f"coalesce(r.discharge_date - r.admission_date <= {MAX_STAY_DAYS}, true)",
             f"an inpatient stay lasts at most {MAX_STAY_DAYS} days"),
        Rule("cost_parts_sum_to_total", f"abs({sum_sql(COST_PARTS, 'r')} - r.total_cost) <= 0.01",
             "drug, exam, treatment, material and other cost sum to total_cost (± 0.01)"),
        Rule("payments_sum_to_total", f"abs({sum_sql(PAYMENTS, 'r')} - r.total_cost) <= 0.01",
             "the five payments sum to total_cost (± 0.01)"),
        Rule("signs_match_reversal", f"case when r.reversal_of is null then least({_AMOUNTS}) >= 0 "
                                     f"else greatest({_AMOUNTS}) <= 0 end",
             "amounts are negative on reversals and only there"),
        Rule("eligible_within_total", "abs(r.eligible_cost) <= abs(r.total_cost)",
             "eligible_cost is not above total_cost"),
        Rule("settled_after_discharge", "coalesce(r.settlement_date >= r.discharge_date, true)",
             "settlement_date is not before discharge_date", WARNING),
        _reversal_known(),
    ],
    "enrollment": [
        Rule("id_card_valid", _ID_VALID, "id_card_no has 18 characters and a valid GB 11643 check digit"),
        Rule("age_at_start_plausible",
             f"r.start_date >= r.birth_date and r.start_date < r.birth_date + interval '{MAX_AGE + 1} years'",
             f"birth_date is not after start_date, and at most {MAX_AGE} years before it"),
        _not_before("end_date", "start_date"),
        Rule("id_card_matches_birth_date", "substr(r.id_card_no, 7, 8) = to_char(r.birth_date, 'YYYYMMDD')",
             "id_card_no encodes birth_date", WARNING),
        Rule("id_card_matches_gender", "(substr(r.id_card_no, 17, 1) in ('1', '3', '5', '7', '9')) = (r.gender = 'M')",
             "id_card_no encodes gender (odd 17th digit: male)", WARNING),
    ],
    "fund_flows": [
        Rule("flow_unique_in_file", "duplicate.item is null",
             "one row per fund, county, direction and item in a file", WARNING),
    ],
    "inspection": [
        _not_before("closed_date", "inspection_date"),
        Rule("recovered_within_involved", "r.recovered_amount <= r.involved_amount",
             "recovered_amount is not above involved_amount", WARNING),
        Rule("no_finding_no_amounts", "r.finding <> 'none' or r.involved_amount + r.recovered_amount "
                                      "+ r.penalty_amount + r.fine_amount = 0",
             "an inspection without finding involves no amounts", WARNING),
    ],
    "alert_recipients": [
        Rule("scope_registered", "r.scope = 'city' or r.scope in (select county_code from raw.counties)",
             "scope is city or a county_code of the registry (reference/counties.csv)"),
    ],
    "fund_opening_balance": [
        Rule("as_of_first_day", "extract(day from r.as_of_month) = 1", "as_of_month is a month"),
    ],
    "policy_parameters": [
        Rule("value_is_number", f"r.key in ({_TEXT_KEYS}) or r.value ~ '{NUMBER_PATTERN}'",
             "value is a decimal number (but for the text parameters)"),
        *(Rule(f"{key}_valid", f"r.key <> '{key}' or r.value ~ '{pattern}'", f"{key} matches {pattern}")
          for key, pattern in TEXT_PARAMETERS.items()),
    ],
    "case_review": [
        _not_before("status_date", "received_date"),
        Rule("amount_only_if_confirmed", "r.outcome = 'confirmed' or r.violating_amount = 0",
             "violating_amount is 0 unless the outcome is confirmed"),
        Rule("refused_within_violating", "r.ci_refused_amount <= r.violating_amount",
             "ci_refused_amount is not above violating_amount"),
    ],
}

def _duplicates(source: Source, key: str) -> str:
    """A join that marks the rows whose `key` repeats within their file (alias `duplicate`)."""
    return (f"left join (select _load_id, {key} from raw.{source.name} where {_batch_filter(source)} "
            f"group by _load_id, {key} having count(*) > 1) duplicate using (_load_id, {key})")


# Extra joins of a source's batch query (aliases the rules use).
JOINS = {
    "fund_flows": [_duplicates(FUND_FLOWS, "fund_code, county_code, direction, item")],
}

# Ranges of raw columns: (column, low, high, severity).
RANGES = {
    "settlement": [("total_cost", -MAX_COST, MAX_COST, CRITICAL)],
    "enrollment": [("personal_contribution", 0, MAX_PERSONAL_AMOUNT, CRITICAL),
                   ("subsidy", 0, MAX_PERSONAL_AMOUNT, CRITICAL)],
    "fund_flows": [("amount", 0, MAX_FUND_AMOUNT, CRITICAL)],
    "inspection": [(c, 0, MAX_INSPECTION_AMOUNT, CRITICAL)
                   for c in ("involved_amount", "recovered_amount", "penalty_amount", "fine_amount")]
                  + [("demerit_points", 0, 12, WARNING)],
    "counties": [("registered_population", 1, 20_000_000, CRITICAL)],
    "institutions": [("beds", 0, 20_000, CRITICAL)],
    "budgets": [("year", 2000, 2100, CRITICAL), ("annual_budget", 0, MAX_FUND_AMOUNT, CRITICAL)],
}
KNOWN_VALUES = {"enrollment": ("category", ENROLLMENT_CATEGORIES), "fund_flows": ("item", FUND_FLOW_ITEMS)}


def source_rules(source: Source) -> list[Rule]:
    required = ", ".join(f"r.{c.name}" for c in source.columns if c.required)
    rules = [Rule("required_present", f"num_nulls({required}) = 0", "every required column has a value")]
    rules += [_registered(source, reference) for reference in source.lookups
              if SOURCES[reference].key[0] in source.column_names]
    if source.month_column:
        rules.append(_in_month(source))
    return rules + RULES.get(source.name, [])


def source_suite(source: Source) -> Suite:
    """Columns, required values, enumerations, patterns and keys from the landing spec, then the
    source's lookups, ranges, identities and date order. (The raw table's column types are
    checked once per file, in `file_loads`.)"""
    rules = source_rules(source)
    joins = "".join(f"\n{join}" for join in JOINS.get(source.name, []))
    columns = "".join(f",\n       case when {rule.holds} then true end as {rule.name}" for rule in rules)
    query = (f"select r.*{columns}\nfrom raw.{source.name} r{joins}\n"
             f"where {_batch_filter(source, 'r')}")
    suite = Suite(source.name, query)
    if source.key_across_months:
        suite.notes = (f"{', '.join(source.key)} is unique across all months: the unique index "
                       f"raw.{source.name}_key_idx enforces it.")
    elif source.monthly and source.key:
        suite.notes = f"{', '.join(source.key)} is unique in each file: suite file_loads, duplicate_keys."
    lineage = [k for k in LINEAGE if source.monthly or k != "_month"]
    suite.expect("expect_table_columns_to_match_set", "the contract's columns, the lineage and the rules",
                 column_set=[*source.column_names, *lineage, *(r.name for r in rules)])
    for column in source.columns:
        if column.values:
            suite.expect("expect_column_values_to_be_in_set", f"{column.name} is one of {', '.join(column.values)}",
                         column=column.name, value_set=list(column.values))
        if column.pattern and column.name not in PERSONAL:
            suite.expect("expect_column_values_to_match_regex", f"{column.name} matches {column.pattern}",
                         column=column.name, regex=column.pattern)
    if source.key and not source.monthly:
        if len(source.key) == 1:
            suite.expect("expect_column_values_to_be_unique", f"{source.key[0]} is unique", column=source.key[0])
        else:
            suite.expect("expect_compound_columns_to_be_unique", f"({', '.join(source.key)}) is unique",
                         column_list=list(source.key))
    if source.name == "fund_opening_balance":
        suite.expect("expect_column_distinct_values_to_equal_set", f"an opening balance for each of {', '.join(FUNDS)}",
                     column="fund_code", value_set=list(FUNDS))
    for column, low, high, severity in RANGES.get(source.name, []):
        suite.between(column, low, high, f"{column} is {low:,} to {high:,}", severity)
    if source.name in KNOWN_VALUES:
        column, values = KNOWN_VALUES[source.name]
        suite.expect("expect_column_values_to_be_in_set", f"{column} is a known {column}", WARNING,
                     column=column, value_set=list(values))
    for rule in rules:
        suite.expect("expect_column_values_to_not_be_null", rule.description, rule.severity, column=rule.name)
    return suite


def _counts(schema: str) -> str:
    """(load_id, rows) of every source's table in `schema`, for the loads in the batch."""
    return "\n    union all ".join(
        f"select _load_id, count(*) from {schema}.{s.name} where {_batch_filter(s)} group by 1"
        for s in ALL_SOURCES)


def _duplicate_keys() -> str:
    """(load_id, rows with a repeated key) of the monthly sources whose key is unique per file."""
    return "\n    union all ".join(
        f"select _load_id, count(*) - count(distinct ({', '.join(s.key)})) from raw.{s.name} "
        f"where {_batch_filter(s)} group by 1"
        for s in ALL_SOURCES if s.monthly and s.key and not s.key_across_months)


_EXPECTED_SCHEMAS = ",\n    ".join(f"('{s.name}', '{raw_schema(s)}')" for s in ALL_SOURCES)

FILE_LOADS_QUERY = f"""\
select f.load_id, f.source, f.file as _file, f.month, f.rows_read, f.rows_loaded, f.rows_quarantined,
       f.rows_read - f.rows_loaded - f.rows_quarantined as rows_unaccounted,
       coalesce(r.rows, 0) - f.rows_loaded as raw_rows_gap,
       coalesce(q.rows, 0) - f.rows_quarantined as quarantine_rows_gap,
       k.rows as duplicate_keys,
       case when schema.columns = expected.columns then true end as schema_matches,
       round(f.rows_quarantined::numeric / nullif(f.rows_read, 0), 4) as quarantine_share,
       case when p.rows >= {MIN_ROWS_FOR_BAND} then round(f.rows_loaded / p.rows, 2) end as rows_vs_previous
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
    select string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' order by a.attnum) as columns
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
where f.load_id = any({LOAD_IDS})"""


def file_loads_suite() -> Suite:
    """Per file: the audit's counts add up and match raw and quarantine; volume and share."""
    s = Suite("file_loads", FILE_LOADS_QUERY, index_columns=("_file",), materialized=True)
    s.between("rows_unaccounted", 0, 0, "rows read = rows loaded + rows quarantined")
    s.between("raw_rows_gap", 0, 0, "raw holds exactly the rows loaded")
    s.between("quarantine_rows_gap", 0, 0, "quarantine holds exactly the rows quarantined")
    s.between("duplicate_keys", 0, 0, "the key is unique in the file (enrollment: person_id)", check="expectations")
    s.expect("expect_column_values_to_not_be_null", "raw.<source> has the contract's columns and types",
             check="expectations", column="schema_matches")
    low, high = ROW_COUNT_BAND
    s.between("rows_vs_previous", low, high, f"rows loaded are {low:.0%} to {high:.0%} of the previous "
              f"three months' mean (or the previous snapshot's rows)", WARNING)
    s.between("quarantine_share", 0, MAX_QUARANTINE_SHARE,
              f"at most {MAX_QUARANTINE_SHARE:.0%} of the rows read are quarantined", WARNING)
    return s


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


def all_suites() -> dict[str, Suite]:
    suites = [source_suite(s) for s in ALL_SOURCES] + [file_loads_suite(), fct_settlements_suite()]
    return {suite.name: suite for suite in suites}
