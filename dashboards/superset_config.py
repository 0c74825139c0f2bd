"""Superset's settings, read by Superset through SUPERSET_CONFIG_PATH (runs in .venv-superset).

Nothing secret has a default here: `dashboards.settings` puts the secret key, generated once
under $YIBAO_HOME/secrets unless given, into the environment of every Superset process.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for dashboards.counties
from dashboards.counties import county_of_superset_role, database_role  # noqa: E402

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]

# The metadata store (users, roles, charts): SQLite under $YIBAO_HOME/superset unless given.
SQLALCHEMY_DATABASE_URI = os.environ.get("SUPERSET_METADATA_URL") or (
    f"sqlite:///{os.environ['SUPERSET_HOME']}/superset.db?check_same_thread=false"
)


# Superset's stock content security policy lets pages load images, tiles and fonts from a few
# outside hosts; every page's menu then asks Scarf's gateway for a telemetry pixel. A bureau's
# intranet has no use for them, and where outbound traffic is dropped the pixel holds up each
# page's load. This policy keeps every page on this server.
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}


def DB_CONNECTION_MUTATOR(uri, params, username, security_manager, source):  # noqa: N802
    """A county user's queries run as the county's PostgreSQL role, not as `yibao_reader`.

    Superset's row-level security only adds a WHERE clause, and a chart may send custom SQL
    expressions (Superset 6.1 cannot forbid them to a role; it refuses only sub-queries). The
    county role's own row-level security in PostgreSQL limits every row it reads, whatever the
    expression; the role shares the reader's password. A user with the roles of two counties is
    refused rather than given either.
    """
    user = security_manager.find_user(username=username) if username else None
    counties = {code for role in (user.roles if user else []) if (code := county_of_superset_role(role.name))}
    if len(counties) > 1:
        raise PermissionError(f"user {username} has the roles of several counties: give each user one")
    if counties:
        uri = uri.set(username=database_role(counties.pop()))
    return uri, params
