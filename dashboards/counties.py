"""How a county bureau is named in Superset and in PostgreSQL.

Kept free of dependencies: Superset's own process imports it (superset_config.py), to connect a
county user's queries as the county's PostgreSQL role.
"""

from __future__ import annotations

import re

# dbt's county_access macro (dbt_project/macros/county_access.sql) finds a role's county by this
# prefix: the two must agree.
DATABASE_ROLE_PREFIX = "yibao_county_"
_SUPERSET_ROLE = re.compile(r"縣區 (\d{6}) ")


def superset_role(code: str, name: str) -> str:
    """The Superset role of a county's users, e.g. `縣區 450802 港北區`."""
    return f"縣區 {code} {name}"


def county_of_superset_role(role: str) -> str | None:
    """The county code of a county's Superset role; None for any other role."""
    match = _SUPERSET_ROLE.match(role)
    return match.group(1) if match else None


def database_role(code: str) -> str:
    """The PostgreSQL role that a county's users query the warehouse as."""
    return DATABASE_ROLE_PREFIX + code
