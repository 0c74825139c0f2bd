"""`yibao serve`: Superset with the dashboards, the Dagster UI and the Dagster daemon (which runs
the landing sensor and the schedules), until Ctrl-C or SIGTERM stops them; then the embedded
PostgreSQL too, when this command started it. `yibao stop` ends whatever a killed `yibao serve`
left running.

`--only PART` serves one part alone, as each container of docker-compose.yml does. The Dagster
UI has no login: it is served read-only (it shows runs, assets and checks, but launches,
re-executes, terminates and turns on nothing) unless the operator asks otherwise."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator

from dashboards.publish import publish
from dashboards.server import running_superset, stop
from dashboards.settings import ADMIN, HOST, admin_password_source
from orchestration.cli import PARTS
from orchestration.pipeline import prepare_dagster
from orchestration.settings import bind_host, configured_warehouse_url, dagster_port, landing_dir
from orchestration.warehouse import (connect, embedded_pid, halt_embedded, open_private, private_dir, table_exists,
                                     warehouse_url, yibao_home)



CODE_SERVER_PORT = 4000  # docker-compose.yml's YIBAO_DAGSTER_CODE_SERVER


def serve(dagster_writable: bool = False, only: str | None = None) -> int:
    """Serve `only` that part, or all of them; 1 when one stops by itself."""
    parts = [only] if only else [part for part in PARTS if part != "dagster-code"]
    started_embedded = configured_warehouse_url() is None and embedded_pid() is None
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with ExitStack() as running:
            prepare_dagster()
            processes = {}
            if "dagster-webserver" in parts:
                processes["the Dagster UI"] = running.enter_context(_recorded(start_webserver(dagster_writable)))
            if "dagster-code" in parts:
                processes["the Dagster code server"] = running.enter_context(_recorded(start_dagster(
                    "dagster", "code-server", "start", "-h", bind_host(), "-p", str(CODE_SERVER_PORT), code_server=True)))
            if "dagster-daemon" in parts:
                processes["the Dagster daemon"] = running.enter_context(_recorded(start_dagster("dagster-daemon", "run")))
            superset_url = None
            if "superset" in parts:
                superset = running.enter_context(running_superset())
                running.enter_context(_recorded(superset.process))
                publish(superset.url, warehouse_url())
                processes["Superset"], superset_url = superset.process, superset.url
            _print_addresses(superset_url, "dagster-webserver" in parts, marts_built=_marts_built(),
                             dagster_writable=dagster_writable)
            return _wait(processes)
    except KeyboardInterrupt:
        print("\nstopping")
        return 0
    finally:
        if started_embedded and halt_embedded():
            print("stopped the embedded PostgreSQL")


def stop_all() -> list[str]:
    """End what `yibao serve` processes left running under this YIBAO_HOME (their process groups,
    from the pid files), then the embedded PostgreSQL; what was stopped."""
    stopped = []
    for pid_file in sorted(_pid_dir().glob("*.pid")):
        pgid = int(pid_file.read_text())
        try:
            os.killpg(pgid, signal.SIGTERM)
            stopped.append(f"{pid_file.stem} (process group {pgid})")
        except ProcessLookupError:
            pass
        pid_file.unlink()
    if halt_embedded():
        stopped.append("the embedded PostgreSQL")
    return stopped


@contextmanager
def _recorded(process: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """`process` (leader of its own session) stopped with its children when the block ends, and
    named in a pid file meanwhile, for `yibao stop` when this command is killed."""
    pid_file = _pid_dir() / f"{process.pid}.pid"
    pid_file.write_text(str(process.pid))
    try:
        yield process
    finally:
        stop(process)
        pid_file.unlink(missing_ok=True)


def _pid_dir() -> Path:
    return private_dir(yibao_home() / "run")


def start_webserver(writable: bool = False) -> subprocess.Popen:
    """The Dagster UI on the configured port, read-only unless `writable`."""
    return start_dagster("dagster-webserver", "-h", bind_host(), "-p", str(dagster_port()),
                         *([] if writable else ["--read-only"]))


def start_dagster(program: str, *args: str, code_server: bool = False) -> subprocess.Popen:
    """`program` (the Dagster UI, daemon or, with `code_server`, the code server) on the same
    instance and code location as `yibao run` (or the code server `$YIBAO_DAGSTER_CODE_SERVER`,
    host:port, a container of its own); log under $YIBAO_HOME/logs, owner-only. The daemon's
    runs read the landing directory."""
    log = yibao_home() / "logs" / f"{program}.log"
    env = {**os.environ, "YIBAO_HOME": str(yibao_home()), "YIBAO_LANDING": str(landing_dir())}
    if not code_server and (code_server_address := os.environ.get("YIBAO_DAGSTER_CODE_SERVER")):
        host, port = code_server_address.rsplit(":", 1)
        location = ["--grpc-host", host, "--grpc-port", port]
    else:
        location = ["-m", "orchestration.definitions"]
    with open_private(log) as sink:
        return subprocess.Popen([str(Path(sys.executable).with_name(program)), *args, *location],
                                env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True, umask=0o077)


def _marts_built() -> bool:
    with connect() as conn:
        return table_exists(conn, "marts.fund_balance_monthly")


def _print_addresses(superset_url: str | None, dagster_ui: bool, marts_built: bool,
                     dagster_writable: bool = False) -> None:
    if superset_url:
        print(f"Superset dashboards: {superset_url}/dashboard/list/  (log in as {ADMIN}, {admin_password_source()})")
    if dagster_ui:
        access = "no login: whoever reaches it can launch runs" if dagster_writable else "read-only, no login"
        print(f"Dagster UI:          http://{HOST}:{dagster_port()}  ({access}; sensors and schedules run: "
              f"Automation page)")
    if not marts_built:
        print("The marts are not built yet: run `yibao run --landing DIR`, then reload the dashboards.")
    print("Press Ctrl-C to stop.", flush=True)


def _wait(processes: dict[str, subprocess.Popen]) -> int:
    """Block while the servers run; 1 when one of them stops by itself."""
    while True:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"{name} stopped (exit {process.returncode}); see {yibao_home() / 'logs'}", file=sys.stderr)
                return 1
        time.sleep(1)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
