"""Superset's settings, read by Superset through SUPERSET_CONFIG_PATH (runs in .venv-superset).

Nothing secret has a default here: `dashboards.settings` puts the secret key, generated once
under $YIBAO_HOME/secrets unless given, into the environment of every Superset process. Where
the metadata store and the cache are is decided by orchestration.settings, for both profiles.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for dashboards.counties
from dashboards.counties import county_of_superset_role, database_role  # noqa: E402
from orchestration.settings import redis_url, superset_metadata_url  # noqa: E402

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]

SQLALCHEMY_DATABASE_URI = superset_metadata_url()


def _redis_cache(prefix: str, timeout: int) -> dict:
    return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url(), "CACHE_KEY_PREFIX": prefix,
            "CACHE_DEFAULT_TIMEOUT": timeout}


# With Redis, every gunicorn worker shares one cache of metadata, chart data and filter state
# (a dashboard's link keeps its filters whichever worker answers), and one rate-limit count.
if redis_url():
    CACHE_CONFIG = _redis_cache("superset_metadata_", 24 * 3600)
    DATA_CACHE_CONFIG = _redis_cache("superset_data_", 24 * 3600)
    FILTER_STATE_CACHE_CONFIG = _redis_cache("superset_filter_state_", 90 * 24 * 3600)
    EXPLORE_FORM_DATA_CACHE_CONFIG = _redis_cache("superset_explore_", 7 * 24 * 3600)
    RATELIMIT_STORAGE_URI = redis_url()

# The readers' language first: Superset's own Chinese translation, English selectable from the
# menu. Its Traditional Chinese (zh_TW) is not offered: Superset 6.1 hands the browser the
# locale's language alone ("zh"), so its pages would mix the two scripts.
BABEL_DEFAULT_LOCALE = "zh"
LANGUAGES = {
    "zh": {"flag": "cn", "name": "中文"},
    "en": {"flag": "us", "name": "English"},
}

# Readers come for the dashboards: the logo and the start page lead to their list, not to
# Superset's welcome page of recent activity.
_DASHBOARD_LIST = "/dashboard/list/"
LOGO_TARGET_PATH = _DASHBOARD_LIST


def FLASK_APP_MUTATOR(app):  # noqa: N802
    """Send the welcome page (where `/` and the login lead) to the dashboard list."""
    from flask import redirect, request

    @app.before_request
    def _dashboards_first():
        if request.path.rstrip("/") == "/superset/welcome":
            return redirect(_DASHBOARD_LIST)
        return None


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
