"""The landing sources (the contract's landing directory): their files, columns, types and keys.

This module is the single description of the landing layout. The loader derives its landing,
raw and quarantine tables from it and checks every value against its column's kind; the
generator writes the columns in this order; dbt's `_bureau__sources.yml` documents the same
columns. What a row or a file must satisfy beyond that is the rule catalogue, `rules.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

FUNDS = ("employee_pooled", "resident_basic", "critical_illness")
SCHEMES = ("employee", "resident")
VISIT_TYPES = ("inpatient", "outpatient_special", "outpatient_general", "pharmacy")
INSPECTION_KINDS = ("onsite", "special", "joint_patrol", "flying", "online_audit")
INSPECTION_TRIGGERS = ("half_year_selection", "complaint", "routine", "data_anomaly", "referral")
FINDINGS = (
    "none", "hanging_bed", "induced_admission", "fictitious_service", "forged_documents",
    "over_standard_charge", "duplicate_charge", "item_substitution", "unreasonable_treatment",
    "split_admission", "other",
)
ACTIONS = ("none", "interview", "rectify", "suspend", "terminate", "refer_judicial")
MANAGED_BY = ("city", "county", "external")  # external: outside the prefecture (異地定點)
CASE_SUBMITTERS = ("insurer", "bureau")
CASE_OUTCOMES = ("pending", "confirmed", "cleared")
# Policy parameters whose value is text, with the pattern it must match; every other key's value
# is a decimal number. readmission_excluded_diagnoses: 3-character ICD-10 categories separated
# by `;` (e.g. `Z51` or `Z51;Z08`).
NUMBER_PATTERN = r"^-?\d+(\.\d+)?$"
TEXT_PARAMETERS = {"readmission_excluded_diagnoses": r"^[A-Z][0-9][0-9A-Z]( *; *[A-Z][0-9][0-9A-Z])*$"}

# PostgreSQL types of the raw tables, by column kind.
SQL_TYPES = {
    "text": "text",
    "date": "date",
    "month": "date",  # YYYY-MM in the file, the month's first day in the warehouse
    "amount": "numeric(14,2)",
    "integer": "integer",
    "flag": "boolean",  # 0/1 in the file
    "enum": "text",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"
    required: bool = True
    values: tuple[str, ...] = ()  # allowed values of an enum
    signed: bool = False  # amounts: may be negative (the row rules say when)
    pattern: str = ""  # extra regular expression a text value must match
    personal: bool = False  # personal data: no reason or finding quotes its values

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]


def enum(name: str, values: tuple[str, ...], required: bool = True) -> Column:
    return Column(name, "enum", required=required, values=values)


@dataclass(frozen=True)
class Source:
    name: str
    folder: str  # "reference" or the monthly folder
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # unique within a file
    key_across_months: bool = False  # ... and across all months (a unique index on the raw table)
    monthly: bool = True
    optional: bool = False  # a file (reference) or folder (monthly) that may be absent
    month_column: str = ""  # the column that must fall in the file's month
    lookups: tuple[str, ...] = ()  # sources its rules read (rules.py): loaded first
    # (column, key): a non-empty column value must name a loaded row's key, in this file or
    # an earlier one (a reversal must reverse a known settlement).
    refers_to_own_key: tuple[str, str] = ()
    # On a Citus coordinator (docs/citus.md): the column raw.<source> is hash-distributed by,
    # or "reference" for a table copied whole to every node.
    citus_distribution: str = "reference"
    comment: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def file_name(self, month: str | None = None) -> str:
        return f"{self.folder}/{month}.csv" if self.monthly else f"reference/{self.name}.csv"


COST_PARTS = ("drug_cost", "exam_cost", "treatment_cost", "material_cost", "other_cost")
PAYMENTS = ("pooled_fund_paid", "critical_illness_paid", "assistance_paid", "account_paid", "cash_paid")
SETTLEMENT_AMOUNTS = ("total_cost", "eligible_cost", *COST_PARTS, *PAYMENTS)


SETTLEMENT = Source(
    name="settlement",
    lookups=('institutions',),
    folder="settlement",
    comment="結算: one settled visit, stay or purchase",
    columns=(
        Column("settlement_id"),
        Column("reversal_of", required=False),
        Column("person_id", personal=True),
        Column("institution_code"),
        enum("scheme", SCHEMES),
        enum("visit_type", VISIT_TYPES),
        Column("admission_date", "date", required=False),
        Column("discharge_date", "date", required=False),
        Column("settlement_date", "date"),
        Column("diagnosis_code"),
        *(Column(name, "amount", signed=True) for name in SETTLEMENT_AMOUNTS),
        Column("is_out_of_area", "flag"),
        Column("doctor_code", required=False),
    ),
    key=("settlement_id",),
    key_across_months=True,
    refers_to_own_key=("reversal_of", "settlement_id"),
    month_column="settlement_date",
    citus_distribution="settlement_id",
)

FUND_FLOWS = Source(
    name="fund_flows",
    lookups=('counties',),
    folder="fund_flows",
    comment="fund income and non-settlement expenses",
    columns=(
        Column("month", "month"),
        enum("fund_code", FUNDS),
        Column("county_code", pattern=r"^\d{6}$"),
        enum("direction", ("income", "expense")),
        Column("item"),
        Column("amount", "amount"),
    ),
    month_column="month",
)

ENROLLMENT = Source(
    name="enrollment",
    lookups=('counties',),
    folder="enrollment",
    comment="參保: enrollments starting or changing in the month (holds personal data)",
    columns=(
        Column("person_id", personal=True),
        Column("id_card_no", personal=True),  # 18 characters with a check digit: rules.py
        enum("gender", ("M", "F")),
        Column("birth_date", "date", personal=True),
        Column("county_code", pattern=r"^\d{6}$"),
        enum("scheme", SCHEMES),
        Column("category"),
        Column("start_date", "date"),
        Column("end_date", "date", required=False),
        Column("personal_contribution", "amount"),
        Column("subsidy", "amount"),
    ),
    key=("person_id",),
    citus_distribution="person_id",
)

INSPECTION = Source(
    name="inspection",
    lookups=('institutions',),
    folder="inspection",
    comment="稽核檢查: inspections and their outcome",
    columns=(
        Column("inspection_id"),
        Column("institution_code"),
        Column("inspection_date", "date"),
        enum("kind", INSPECTION_KINDS),
        enum("trigger", INSPECTION_TRIGGERS),
        enum("finding", FINDINGS),
        Column("involved_amount", "amount"),
        Column("recovered_amount", "amount"),
        Column("penalty_amount", "amount"),
        Column("fine_amount", "amount"),
        enum("action", ACTIONS),
        Column("demerit_points", "integer"),
        Column("closed_date", "date", required=False),
    ),
    key=("inspection_id",),
    key_across_months=True,
    month_column="inspection_date",
)

COUNTIES = Source(
    name="counties",
    folder="reference",
    monthly=False,
    comment="county-level divisions",
    columns=(
        Column("county_code", pattern=r"^\d{6}$"),
        Column("county_name"),
        Column("registered_population", "integer"),
    ),
    key=("county_code",),
)

INSTITUTIONS = Source(
    name="institutions",
    lookups=('counties',),
    folder="reference",
    monthly=False,
    comment="定點醫藥機構: designated institutions",
    columns=(
        Column("institution_code"),
        Column("institution_name"),
        enum("institution_type", ("hospital", "primary", "clinic", "pharmacy")),
        enum("hospital_level", ("3", "2", "1", "0")),
        enum("ownership", ("public", "private")),
        Column("county_code", pattern=r"^\d{6}$"),
        enum("managed_by", MANAGED_BY),
        Column("beds", "integer", required=False),
    ),
    key=("institution_code",),
)

BUDGETS = Source(
    name="budgets",
    lookups=('institutions',),
    folder="reference",
    monthly=False,
    comment="總額預算: annual pooled-fund quota per institution",
    columns=(
        Column("year", "integer"),
        Column("institution_code"),
        Column("annual_budget", "amount"),
    ),
    key=("year", "institution_code"),
)

FUND_OPENING_BALANCE = Source(
    name="fund_opening_balance",
    folder="reference",
    monthly=False,
    comment="cumulative balance of each fund at the start of its first tracked month",
    columns=(
        enum("fund_code", FUNDS),
        Column("as_of_month", "month"),
        Column("opening_balance", "amount", signed=True),
    ),
    key=("fund_code",),
)

POLICY_PARAMETERS = Source(
    name="policy_parameters",
    folder="reference",
    monthly=False,
    optional=True,
    comment="overrides of the policy parameters' documented defaults",
    columns=(Column("key", pattern=r"^[a-z_]+$"), Column("value")),
    key=("key",),
)

CASE_REVIEW = Source(
    name="case_review",
    lookups=('settlement',),
    folder="case_review",
    optional=True,
    comment="協同查處: the verification of a suspicious case, received or concluded in the month",
    columns=(
        Column("settlement_id"),
        enum("submitted_by", CASE_SUBMITTERS),
        Column("received_date", "date"),
        Column("status_date", "date"),
        enum("outcome", CASE_OUTCOMES),
        Column("violating_amount", "amount"),
        Column("ci_refused_amount", "amount"),
    ),
    key=("settlement_id",),
    month_column="status_date",
)

ALERT_RECIPIENTS = Source(
    name="alert_recipients",
    lookups=('counties',),
    folder="reference",
    monthly=False,
    optional=True,
    comment="who receives the alerts: the prefecture bureau (scope city) or a county bureau (its county_code)",
    columns=(
        Column("scope", pattern=r"^(city|\d{6})$"),
        Column("name"),
        Column("email", pattern=r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$"),
    ),
    key=("scope", "email"),
)

# In load order: a source's rules may only look at sources loaded before it.
REFERENCE_SOURCES = (COUNTIES, INSTITUTIONS, BUDGETS, FUND_OPENING_BALANCE, POLICY_PARAMETERS, ALERT_RECIPIENTS)
MONTHLY_SOURCES = (SETTLEMENT, FUND_FLOWS, ENROLLMENT, INSPECTION, CASE_REVIEW)
ALL_SOURCES = REFERENCE_SOURCES + MONTHLY_SOURCES
SOURCES = {s.name: s for s in ALL_SOURCES}
