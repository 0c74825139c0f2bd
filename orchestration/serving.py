"""`yibao serve`: Superset with the dashboards on 127.0.0.1:8088, the Dagster UI on
127.0.0.1:3000 and the Dagster daemon (which runs the landing sensor and the schedules), until
Ctrl-C or SIGTERM stops them.

The Dagster UI has no login: it is served read-only (it shows runs, assets and checks, but
launches, re-executes, terminates and turns on nothing) unless the operator asks otherwise."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from dashboards.publish import publish
from dashboards.server import running_superset, stop
from dashboards.settings import ADMIN, HOST, admin_password_source
from orchestration.pipeline import prepare_dagster
from orchestration.warehouse import connect, open_private, table_exists, warehouse_url, yibao_home

DAGSTER_PORT = 3000


def serve(dagster_writable: bool = False) -> int:
    prepare_dagster()
    signal.signal(signal.SIGTERM, _interrupt)
    dagster = start_webserver(DAGSTER_PORT, writable=dagster_writable)
    daemon = start_dagster("dagster-daemon", "run")
    try:
        with running_superset() as superset:
            publish(superset.url, warehouse_url())
            _print_addresses(superset.url, marts_built=_marts_built(), dagster_writable=dagster_writable)
            return _wait({"Superset": superset.process, "the Dagster UI": dagster, "the Dagster daemon": daemon})
    except KeyboardInterrupt:
        print("\nstopping")
        return 0
    finally:
        stop(daemon)
        stop(dagster)


def start_webserver(port: int, writable: bool = False) -> subprocess.Popen:
    """The Dagster UI on 127.0.0.1:`port`, read-only unless `writable`."""
    return start_dagster("dagster-webserver", "-h", HOST, "-p", str(port), *([] if writable else ["--read-only"]))


def start_dagster(program: str, *args: str) -> subprocess.Popen:
    """`program` (the Dagster UI or daemon) on the same instance and code location as `yibao run`;
    log under $YIBAO_HOME/logs, owner-only. The daemon's runs read the landing directory
    `$YIBAO_LANDING` (default $YIBAO_HOME/landing, where `make demo` generates it)."""
    log = yibao_home() / "logs" / f"{program}.log"
    env = {**os.environ, "YIBAO_HOME": str(yibao_home()),
           "YIBAO_LANDING": os.environ.get("YIBAO_LANDING", str(yibao_home() / "landing"))}
    with open_private(log) as sink:
        return subprocess.Popen([str(Path(sys.executable).with_name(program)), *args, "-m", "orchestration.definitions"],
                                env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True, umask=0o077)


def _marts_built() -> bool:
    with connect() as conn:
        return table_exists(conn, "marts.fund_balance_monthly")


def _print_addresses(superset_url: str, marts_built: bool, dagster_writable: bool = False) -> None:
    print(f"Superset dashboards: {superset_url}/dashboard/list/  (log in as {ADMIN}, {admin_password_source()})")
    access = "no login: whoever reaches it can launch runs" if dagster_writable else "read-only, no login"
    print(f"Dagster UI:          http://{HOST}:{DAGSTER_PORT}  ({access}; sensors and schedules run: "
          f"Automation page)")
    if not marts_built:
        print("The marts are not built yet: run `yibao run --landing DIR`, then reload the dashboards.")
    print("Press Ctrl-C to stop.", flush=True)


def _wait(processes: dict[str, subprocess.Popen]) -> int:
    """Block while both servers run; 1 when one of them stops by itself."""
    while True:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"{name} stopped (exit {process.returncode}); see {yibao_home() / 'logs'}", file=sys.stderr)
                return 1
        time.sleep(1)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
