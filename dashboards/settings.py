"""Where Superset lives and runs, and where its secrets come from.

Secrets come from the environment when set, else they are generated once into
`$YIBAO_HOME/secrets/` (ignored by git, like the pseudonym key): the same secret key must serve
every start, since Superset encrypts the warehouse password with it.
"""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.settings import superset_home, yibao_home
from orchestration.warehouse import private_dir, secret_path, stored_secret

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-superset"
CONFIG = Path(__file__).with_name("superset_config.py")
ASSETS = Path(__file__).with_name("assets")
HOST = "127.0.0.1"  # where this machine reaches the servers it starts
ADMIN = "admin"


def admin_password() -> str:
    return stored_secret("SUPERSET_ADMIN_PASSWORD", "superset_admin_password")


def admin_password_source() -> str:
    """Where the admin password is kept, never the password (a terminal's scrollback and a
    service's journal outlive it)."""
    if os.environ.get("SUPERSET_ADMIN_PASSWORD"):
        return "the password in $SUPERSET_ADMIN_PASSWORD"
    admin_password()  # generated now when it is the first start
    return f"the password in {secret_path('superset_admin_password')}"


def executable(name: str) -> str:
    """A program of Superset's virtualenv; a clear message when it was never set up."""
    path = VENV / "bin" / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make superset` to install Superset")
    return str(path)


def superset_env() -> dict[str, str]:
    """The environment of every Superset process: its config file, home and secret key."""
    private_dir(superset_home())
    return {
        **os.environ,
        "SUPERSET_CONFIG_PATH": str(CONFIG),
        "YIBAO_HOME": str(yibao_home()),  # superset_config.py finds its settings from it
        "SUPERSET_HOME": str(superset_home()),
        "SUPERSET_SECRET_KEY": stored_secret("SUPERSET_SECRET_KEY", "superset_secret_key"),
    }
