"""Synthetic landing data for the 貴港 medical security bureau (docs/landing.md).

`generate()` writes a landing directory: the prefecture's counties and designated
institutions, budgets and opening balances, and per month the settlements, fund flows,
enrollments and inspections. Sizes scale with the number of persons; magnitudes and their
sources are documented in seeds/README.md. Modules:

- world: counties and institutions (reference), persons (population), diagnoses;
- settlements: a month's visits (visits), their costs (costs), stay dates (stays), the
  injected suspicious cases and their ground truth (anomalies), who pays (payments),
  reversals (reversals);
- fund_flows, enrollment, inspections, budgets: the other files;
- csvtext: vectorised CSV formatting; randomness: independent seeded streams.
"""

from .landing import generate
from .sizing import persons_for_settlements

__all__ = ["generate", "persons_for_settlements"]
