"""reference/policy_parameters.csv: the overrides that fit the lists to the data's size.

The documented defaults (dbt_project/dbt_project.yml) are a prefecture's: about 5 million insured,
a million in a county. A synthetic landing directory of `persons` insured scales the two that
depend on size, so that the half-year lists keep their meaning (seeds/README.md gives the
measured lists):
- growth_min_base, the CI usage of the previous year's half below which no growth rate is
  computed (100,000 yuan), in proportion to the insured up to GROWTH_BASE_FULL_AT. A base in
  proportion to the prefecture's 5 million would rest on a fraction of one CI case at the
  default 20,000 persons (400 yuan: rates of several hundred per cent on a few hundred yuan);
  5,000 yuan there, one or two cases, still leaves the city's growth list its three;
- top_usage_county, the length of a county's usage list (10), which a county of a few thousand
  insured cannot fill in a half-year: in proportion from TOP_USAGE_COUNTY_FULL_AT down, at least 3.
The other parameters keep their defaults.
"""

from __future__ import annotations

from pathlib import Path

from orchestration.sources import SOURCES

from . import csvtext

DEFAULT_GROWTH_MIN_BASE = 100_000  # yuan
GROWTH_BASE_FULL_AT = 400_000  # insured persons from which the base is the default
DEFAULT_TOP_USAGE_COUNTY = 10
TOP_USAGE_COUNTY_FULL_AT = 250_000  # insured persons from which the county lists have their 10
TOP_USAGE_COUNTY_MIN = 3  # the plan's minimum of 3 institutions per scope
TOP_USAGE_CITY = TOP_GROWTH_CITY = 3  # the defaults, at any size
INSPECTION_LOOKBACK_DAYS = 365  # inspection_lookback_months, 12
INSPECTION_PLAN = (3, 6)  # inspection_plan_min, inspection_plan_max


def policy_parameters(persons: int) -> dict[str, int]:
    """The parameters written for `persons` insured: the base in whole hundreds of yuan (at
    least 100), the county list at least 3 and at most 10 long."""
    base = max(100, round(DEFAULT_GROWTH_MIN_BASE * min(persons / GROWTH_BASE_FULL_AT, 1), -2))
    top = round(DEFAULT_TOP_USAGE_COUNTY * persons / TOP_USAGE_COUNTY_FULL_AT)
    return {"growth_min_base": int(base),
            "top_usage_county": min(DEFAULT_TOP_USAGE_COUNTY, max(TOP_USAGE_COUNTY_MIN, top))}


def write_policy_parameters(out: Path, parameters: dict[str, int]) -> int:
    source = SOURCES["policy_parameters"]
    fields = {"key": csvtext.strings(list(parameters)), "value": csvtext.strings([str(v) for v in parameters.values()])}
    return csvtext.write_csv(out / source.file_name(), source.column_names, fields, len(parameters))
