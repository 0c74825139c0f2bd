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
