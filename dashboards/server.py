"""The Superset web server: started under gunicorn from Superset's virtualenv, probed until it
really answers, stopped with its workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import requests

from dashboards.metadata import prepare_metadata
from dashboards.settings import HOST, admin_password, executable, superset_env
from orchestration.settings import bind_host, superset_port, superset_workers
from orchestration.warehouse import open_private, yibao_home


@dataclass
class Running:
    url: str
    process: subprocess.Popen


@contextmanager
def running_superset(port: int | None = None) -> Iterator[Running]:
    """Superset on `port` (default: the configured one) with its metadata store ready, until the
    block ends. Its log is $YIBAO_HOME/logs/superset.log."""
    port = port or superset_port()
    prepare_metadata(admin_password())
    log = yibao_home() / "logs" / "superset.log"
    process = start_superset(port, log)
    try:
        running = Running(f"http://{HOST}:{port}", process)
        wait_until_up(running.url, process, log)
        yield running
    finally:
        stop(process)


def start_superset(port: int, log: Path) -> subprocess.Popen:
    """Start the server in the background under gunicorn, its output going to `log`: worker
    processes with threads, since a dashboard asks for all its charts at once."""
    command = [executable("gunicorn"), "--workers", str(superset_workers()), "--worker-class", "gthread",
               "--threads", "8", "--timeout", "120", "--graceful-timeout", "5", "--bind", f"{bind_host()}:{port}",
               "superset.app:create_app()"]
    with open_private(log) as sink:
        return subprocess.Popen(command, env=superset_env(), stdout=sink, stderr=subprocess.STDOUT,
                                start_new_session=True, umask=0o077)


def wait_until_up(base_url: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    """Wait until `/health` and `/login/` both answer 200: with a dependency missing, the health
    check passes while every page fails."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Superset exited with {process.returncode}; see {log}:\n{_tail(log)}")
        if all(_answers(base_url + path) for path in ("/health", "/login/")):
            return
        time.sleep(1)
    raise TimeoutError(f"Superset did not answer on {base_url} within {timeout:.0f} s; see {log}")


def stop(process: subprocess.Popen) -> None:
    """Stop a server started in its own session, with its children (gunicorn's workers, the
    Dagster UI's code server), and wait for it."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (tests and benchmarks keep 8088 for `yibao serve`)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=10).status_code == 200
    except requests.RequestException:
        return False


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
