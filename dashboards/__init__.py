"""Superset dashboards: the exported assets (assets/) and the runtime that serves them.

The code here runs in the project's virtualenv and drives Superset, which lives in its own
(.venv-superset: Superset pins SQLAlchemy 1.4 and pandas 2, which clash with Dagster and dbt),
through its command line and its REST API. Only `superset_config.py` (and `counties.py`, which
it imports) runs inside Superset.
"""
