"""Superset's metadata store: created or upgraded, with its admin user, before the server starts.

`superset db upgrade` and `superset init` take about 25 s, so they run only when the store was
never set up with the installed Superset version (a stamp beside the store remembers it).
Passwords reach the `superset fab` commands through Flask's environment variables for their
options, not the command line, where `ps` would show them.
"""

from __future__ import annotations

import subprocess

from dashboards.settings import ADMIN, VENV, executable, superset_env, superset_home


def installed_version() -> str:
    """The version of Superset in its virtualenv, from its dist-info folder's name."""
    info = next(VENV.glob("lib/python3*/site-packages/apache_superset-*.dist-info"))
    return info.name.removeprefix("apache_superset-").removesuffix(".dist-info")


def superset(*args: str, env: dict[str, str] | None = None) -> str:
    """Run a `superset` command of Superset's virtualenv; its output, or an error with it."""
    done = subprocess.run([executable("superset"), *args], env={**superset_env(), **(env or {})},
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, umask=0o077)
    if done.returncode != 0:
        raise RuntimeError(f"superset {args[0]} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout


def prepare_metadata(admin_password: str, again: bool = False) -> None:
    """Bring the metadata store to the installed version's schema, roles and permissions, with
    the admin user; a no-op when that was done before for this version and store, unless `again`
    (`yibao upgrade`)."""
    for store in superset_home().glob("superset.db*"):  # a store made before its processes' umask 077
        store.chmod(0o600)
    stamp = superset_home() / "metadata.stamp"
    state = f"apache-superset {installed_version()}\n{superset_env().get('SUPERSET_METADATA_URL', 'sqlite')}\n"
    if not again and stamp.exists() and stamp.read_text() == state and _store_exists():
        return
    superset("db", "upgrade")
    superset("fab", "create-admin", "--username", ADMIN, "--firstname", "Superset", "--lastname", "Admin",
             "--email", "admin@yibao.invalid", env={"FLASK_FAB_CREATE_ADMIN_PASSWORD": admin_password})
    superset("init")
    stamp.write_text(state)


def reset_admin_password(admin_password: str) -> None:
    """Set the admin's password again (after $SUPERSET_ADMIN_PASSWORD changed)."""
    superset("fab", "reset-password", "--username", ADMIN, env={"FLASK_FAB_RESET_PASSWORD_PASSWORD": admin_password})


def _store_exists() -> bool:
    return "SUPERSET_METADATA_URL" in superset_env() or (superset_home() / "superset.db").exists()
