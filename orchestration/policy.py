"""The effective policy parameters, as the marts were built with them: the documented defaults of
dbt_project.yml overridden key by key by reference/policy_parameters.csv (the model
int_policy_parameters). The bulletin and the alerts quote them (e.g. the warning lines)."""

from __future__ import annotations

from decimal import Decimal

import psycopg


def numeric_policy_parameters(conn: psycopg.Connection) -> dict[str, Decimal]:
    """Key → value of every numeric parameter (text ones, such as a list of diagnoses, left out)."""
    return {key: Decimal(value) for key, value in conn.execute(
        r"select key, value::text from intermediate.int_policy_parameters where value::text ~ '^-?\d+(\.\d+)?$'")}
