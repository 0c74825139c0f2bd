"""The rule catalogue: every landing rule, described once.

A rule is a SQL condition that is true where the data break it, the text that says what is
wrong, and a severity that says where it applies:

| severity | on | where it applies |
| --- | --- | --- |
| `quarantine` | a row (`t`) | the loader: the row goes to `quarantine.<source>` with `reason`, the rest of the file loads |
| `critical` | a file (`f`) | the data-quality step: file and aggregate integrity; a broken check stops the run before dbt |
| `warning` | a row or a file | the data-quality step: a plausibility finding, reported and recorded only |

Row rules (`ROW_RULES`) see the typed row `t` of a source: in the loader the row being
checked, in the data-quality suites a row of `raw.<source>`. File rules (`FILE_RULES`) see the
file's audit row `f` as the suite `file_loads` computes it (quality/suites.py: its counts in raw
and quarantine, the columns of its raw table, the mean of the previous months). A row rule that
looks the row up in a raw table does so without a correlated subquery (`loaded`), which Citus
refuses from a local table or on a column other than the distribution column; it names the
rows being checked `$ROWS` (the loader's typed rows of the file, the suite's batch).

The loader's SQL (loading/validation_sql.py) and the Great Expectations suites
(quality/suites.py) are generated from here. Before the quarantine rules, the loader applies
what every source declares in sources.py: required values, the type of each column (dates,
amounts in yuan with up to 2 decimals, integers, flags, enumerations, patterns), a monthly
file's date column in its month, keys unique in the file (and across months), a reference to
the source's own key (a reversal's settlement) and the header's number of fields.

To add a rule: add it to its source's list (quarantine rules are tried in order: the first one
broken names the reason), give tests/test_rule_catalogue.py an example of a row that breaks it,
and rebuild the committed suites (`python -m orchestration.quality.build_context`).
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.sources import COST_PARTS, FUNDS, NUMBER_PATTERN, PAYMENTS, SETTLEMENT_AMOUNTS, TEXT_PARAMETERS

QUARANTINE, CRITICAL, WARNING = "quarantine", "critical", "warning"
ROWS = "$ROWS"  # in a row rule: a table expression of the rows being checked

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


@dataclass(frozen=True)
class Rule:
    name: str  # an identifier: the rule's column in the data-quality views
    reason: str  # what is wrong: quarantine.reason, or the finding's text
    broken: str  # SQL, true where the rule is broken (NULL counts as not broken)
    severity: str = QUARANTINE


def _sum(columns: tuple[str, ...]) -> str:
    return " + ".join(f"t.{c}" for c in columns)


def registered(column: str, reference: str, unless: str = "") -> Rule:
    """`column` names a row of the reference snapshot `reference` (its key), on the rows where
    `unless` (SQL) is not true."""
    broken = f"t.{column} not in (select {column} from raw.{reference})"
    return Rule(f"{column.removesuffix('_code')}_registered", f"unknown {column}",
                f"not coalesce({unless}, false) and {broken}" if unless else broken)


def loaded_keys(source: str, key: tuple[str, ...], named_by: tuple[str, ...], rows: str = ROWS) -> str:
    """A query of the keys (`key`) of raw.<source> that the columns `named_by` of `rows` name.

    Uncorrelated: the values are looked up in the raw table as one set, a semi-join that
    PostgreSQL runs through the key's index. For Citus, which refuses a correlated subquery
    from a local table into a distributed one (or into one distributed by another column), both
    levels have `offset 0`: Citus cannot push a subquery with an offset down to the shards, so
    it runs each on its own, the named values first, then the lookup of those keys on the
    shards that hold them (without the offsets it tries to push the whole down as a join on
    a column that is not the distribution column, and refuses).
    """
    keys, names = ", ".join(f"k.{k}" for k in key), ", ".join(named_by)
    return (f"select {keys} from raw.{source} k "
            f"where ({keys}) in (select {names} from {rows} where ({names}) is not null offset 0) offset 0")


def not_loaded(column: str, source: str, key: str) -> str:
    """SQL, true where `t.column` names no row of raw.<source> by its `key`."""
    return f"t.{column} not in ({loaded_keys(source, (key,), (column,))})"


def not_before(later: str, earlier: str, severity: str = QUARANTINE) -> Rule:
    return Rule(f"{later}_not_before_{earlier}", f"{later} before {earlier}", f"t.{later} < t.{earlier}", severity)


def at_most(column: str, high: int, severity: str = QUARANTINE) -> Rule:
    """An upper bound of a column whose kind (sources.py) already excludes negative values."""
    return Rule(f"{column}_at_most_{high}", f"{column} above {high:,}", f"t.{column} > {high}", severity)


def between(column: str, low: int, high: int, severity: str = QUARANTINE) -> Rule:
    return Rule(f"{column}_within_range", f"{column} outside {low:,} to {high:,}",
                f"t.{column} not between {low} and {high}", severity)


def known(column: str, values: tuple[str, ...]) -> Rule:
    """A warning for a value outside the usual ones of an open list (not an enumeration)."""
    listed = ", ".join(f"'{value}'" for value in values)
    return Rule(f"{column}_known", f"{column} is not a usual {column} ({', '.join(values)})",
                f"t.{column} not in ({listed})", WARNING)


_AMOUNTS = ", ".join(f"t.{c}" for c in SETTLEMENT_AMOUNTS)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# GB 11643-1999: 6-digit region, birth date YYYYMMDD, 3-digit sequence (odd for men), and the
# check character '10X98765432'[Σ digit × weight mod 11]. Written for speed, as it runs on every
# enrollment row: 18 bytes (textsend) that trimming the leading ASCII digits leaves empty or 'X'
# are what the regular expression ^[0-9]{17}[0-9X]$ matches, at a fraction of its cost; the
# digits are then read as bytes (get_byte, less 48 for '0' each), not as substrings cast to int.
_ID_VALID = (
    "case when octet_length(t.id_card_no) = 18 "
    "and ltrim(textsend(t.id_card_no), '0123456789'::bytea) in (''::bytea, 'X'::bytea) "
    "then substr('10X98765432', ("
    + " + ".join(f"get_byte(textsend(t.id_card_no), {i}) * {w}" for i, w in enumerate(_ID_WEIGHTS))
    + f" - {ord('0') * sum(_ID_WEIGHTS)}) % 11 + 1, 1) = substr(t.id_card_no, 18, 1) else false end"
)

ROW_RULES: dict[str, tuple[Rule, ...]] = {
    "settlement": (
        registered("institution_code", "institutions"),
        Rule("cost_parts_sum_to_total", "cost parts do not sum to total_cost",
             f"abs({_sum(COST_PARTS)} - t.total_cost) > 0.01"),
        Rule("payments_sum_to_total", "payments do not sum to total_cost",
             f"abs({_sum(PAYMENTS)} - t.total_cost) > 0.01"),
        Rule("negative_only_on_reversals", "negative amount on a row that is not a reversal",
             f"t.reversal_of is null and least({_AMOUNTS}) < 0"),
        Rule("positive_not_on_reversals", "positive amount on a reversal",
             f"t.reversal_of is not null and greatest({_AMOUNTS}) > 0"),
        Rule("stay_dates_on_inpatient", "inpatient stay without admission_date or discharge_date",
             "t.visit_type = 'inpatient' and (t.admission_date is null or t.discharge_date is null)"),
        Rule("stay_dates_only_on_inpatient", "admission_date or discharge_date on a visit that is not inpatient",
             "t.visit_type <> 'inpatient' and (t.admission_date is not null or t.discharge_date is not null)"),
        not_before("discharge_date", "admission_date"),
        Rule("stay_within_limit", f"inpatient stay longer than {MAX_STAY_DAYS} days",
             f"t.discharge_date - t.admission_date > {MAX_STAY_DAYS}"),
        Rule("eligible_within_total", "eligible_cost above total_cost", "abs(t.eligible_cost) > abs(t.total_cost)"),
        Rule("total_cost_within_limit", f"total_cost beyond ±{MAX_COST:,} yuan", f"abs(t.total_cost) > {MAX_COST}"),
        not_before("settlement_date", "discharge_date", WARNING),
        # The loader quarantines a reversal of a settlement never loaded; this finds the reversals
        # whose settlement's month was delivered again without it since.
        Rule("reversed_settlement_loaded", "reversal_of names no loaded settlement_id",
             f"t.reversal_of is not null and {not_loaded('reversal_of', 'settlement', 'settlement_id')}", WARNING),
    ),
    "fund_flows": (
        registered("county_code", "counties"),
        at_most("amount", MAX_FUND_AMOUNT),
        Rule("flow_unique_in_file", "fund, county, direction and item repeated in the file",
             "exists (select from raw.fund_flows d where d._load_id = t._load_id and d._line_number <> t._line_number "
             "and (d.fund_code, d.county_code, d.direction, d.item) = (t.fund_code, t.county_code, t.direction, t.item))",
             WARNING),
        known("item", FUND_FLOW_ITEMS),
    ),
    "enrollment": (
        registered("county_code", "counties"),
        not_before("end_date", "start_date"),
        Rule("id_card_valid", "id_card_no is not 18 characters with a valid GB 11643 check digit",
             f"not ({_ID_VALID})"),
        Rule("age_at_start_plausible", f"birth_date after start_date or more than {MAX_AGE} years before it",
             f"t.start_date < t.birth_date or t.start_date >= t.birth_date + interval '{MAX_AGE + 1} years'"),
        at_most("personal_contribution", MAX_PERSONAL_AMOUNT),
        at_most("subsidy", MAX_PERSONAL_AMOUNT),
        Rule("id_card_matches_birth_date", "id_card_no does not encode birth_date",
             "substr(t.id_card_no, 7, 8) <> to_char(t.birth_date, 'YYYYMMDD')", WARNING),
        Rule("id_card_matches_gender", "id_card_no does not encode gender (odd 17th digit: male)",
             "(substr(t.id_card_no, 17, 1) in ('1', '3', '5', '7', '9')) <> (t.gender = 'M')", WARNING),
        known("category", ENROLLMENT_CATEGORIES),
    ),
    "inspection": (
        registered("institution_code", "institutions"),
        not_before("closed_date", "inspection_date"),
        *(at_most(c, MAX_INSPECTION_AMOUNT)
          for c in ("involved_amount", "recovered_amount", "penalty_amount", "fine_amount")),
        Rule("recovered_within_involved", "recovered_amount above involved_amount",
             "t.recovered_amount > t.involved_amount", WARNING),
        Rule("no_finding_no_amounts", "amounts on an inspection without finding",
             "t.finding = 'none' and t.involved_amount + t.recovered_amount + t.penalty_amount + t.fine_amount <> 0",
             WARNING),
        between("demerit_points", 0, 12, WARNING),
    ),
    "counties": (between("registered_population", 1, 20_000_000),),
    # An external institution's county_code is its own division code, outside counties.csv.
    "institutions": (registered("county_code", "counties", unless="t.managed_by = 'external'"),
                     between("beds", 0, 20_000)),
    "budgets": (
        registered("institution_code", "institutions"),
        between("year", 2000, 2100),
        at_most("annual_budget", MAX_FUND_AMOUNT),
    ),
    "policy_parameters": (
        Rule("value_is_number", "value is not a number",
             f"t.key not in ({', '.join(repr(key) for key in TEXT_PARAMETERS)}) and t.value !~ '{NUMBER_PATTERN}'"),
        *(Rule(f"{key}_valid", f"{key}: not 3-character ICD-10 categories separated by ;",
               f"t.key = '{key}' and t.value !~ '{pattern}'") for key, pattern in TEXT_PARAMETERS.items()),
    ),
    "alert_recipients": (
        Rule("scope_registered", "unknown county_code in scope",
             "t.scope <> 'city' and t.scope not in (select county_code from raw.counties)"),
    ),
    "case_review": (
        # Through the unique settlement_id index: a month's reviews look up a few ids, not all.
        Rule("settlement_loaded", "settlement_id names no loaded settlement",
             not_loaded("settlement_id", "settlement", "settlement_id")),
        Rule("received_not_after_status", "received_date after status_date", "t.received_date > t.status_date"),
        Rule("amount_only_if_confirmed", "violating_amount on a case that is not confirmed",
             "t.outcome <> 'confirmed' and t.violating_amount <> 0"),
        Rule("refused_within_violating", "ci_refused_amount above violating_amount",
             "t.ci_refused_amount > t.violating_amount"),
    ),
}

_FUNDS = "array[" + ", ".join(f"'{fund}'" for fund in sorted(FUNDS)) + "]"
_LOW, _HIGH = ROW_COUNT_BAND
FILE_RULES: tuple[Rule, ...] = (
    Rule("rows_accounted_for", "rows read ≠ rows loaded + rows quarantined",
         "f.rows_read <> f.rows_loaded + f.rows_quarantined", CRITICAL),
    Rule("raw_holds_rows_loaded", "raw does not hold exactly the rows loaded", "f.raw_rows <> f.rows_loaded", CRITICAL),
    Rule("quarantine_holds_rows_quarantined", "quarantine does not hold exactly the rows quarantined",
         "f.quarantine_rows <> f.rows_quarantined", CRITICAL),
    Rule("key_unique_in_file", "key repeated within the file", "f.duplicate_keys > 0", CRITICAL),
    Rule("raw_schema_matches", "raw.<source> lacks the contract's columns and types",
         "f.raw_columns is distinct from f.expected_columns", CRITICAL),
    Rule("opening_balance_of_every_fund", f"not one opening balance for each of {', '.join(sorted(FUNDS))}",
         f"f.source = 'fund_opening_balance' and array(select b.fund_code from raw.fund_opening_balance b "
         f"where b._load_id = f.load_id order by 1) <> {_FUNDS}", CRITICAL),
    Rule("rows_near_previous_months",
         f"rows loaded outside {_LOW:.0%} to {_HIGH:.0%} of the previous three months' mean (or the previous "
         f"snapshot's rows)",
         f"f.previous_rows >= {MIN_ROWS_FOR_BAND} and f.rows_loaded not between {_LOW} * f.previous_rows "
         f"and {_HIGH} * f.previous_rows", WARNING),
    Rule("few_rows_quarantined", f"more than {MAX_QUARANTINE_SHARE:.0%} of the rows read quarantined",
         f"f.rows_quarantined > {MAX_QUARANTINE_SHARE} * f.rows_read", WARNING),
)


def row_rules(source: str, severity: str) -> tuple[Rule, ...]:
    """The row rules of `source` with `severity`, in catalogue order."""
    return tuple(rule for rule in ROW_RULES.get(source, ()) if rule.severity == severity)

