"""Superset's settings, read by Superset through SUPERSET_CONFIG_PATH (runs in .venv-superset).

Nothing secret has a default here: `dashboards.settings` puts the secret key, generated once
under $YIBAO_HOME/secrets unless given, into the environment of every Superset process.
"""

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]

# The metadata store (users, roles, charts): SQLite under $YIBAO_HOME/superset unless given.
SQLALCHEMY_DATABASE_URI = os.environ.get("SUPERSET_METADATA_URL") or (
    f"sqlite:///{os.environ['SUPERSET_HOME']}/superset.db?check_same_thread=false"
)

