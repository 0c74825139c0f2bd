"""`yibao serve` stops the embedded PostgreSQL it started when it is stopped, and `yibao stop`
ends what a killed `yibao serve` left running, in a YIBAO_HOME of their own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

YIBAO = str(Path(sys.executable).with_name("yibao"))


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("serve-home")
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith(("WAREHOUSE_", "DAGSTER_", "YIBAO_PG_"))}
    environment["YIBAO_HOME"] = str(home)
    yield environment
    subprocess.run([YIBAO, "stop"], env=environment, capture_output=True)  # whatever a failed test left


def postmaster(env: dict[str, str]) -> int | None:
    done = subprocess.run([sys.executable, "-c", "from orchestration.warehouse import embedded_pid; print(embedded_pid())"],
                          env=env, capture_output=True, text=True, check=True)
    return None if done.stdout.strip() == "None" else int(done.stdout)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_serve_stops_the_embedded_server_it_started_on_sigterm(env):
    assert postmaster(env) is None
    serve = subprocess.Popen([YIBAO, "serve", "--only", "dagster-daemon"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
    for line in serve.stdout:
        if "Press Ctrl-C" in line:
            break
    server = postmaster(env)
    (daemon,) = [int(p.stem) for p in (Path(env["YIBAO_HOME"]) / "run").glob("*.pid")]
    assert server and alive(server) and alive(daemon)

    serve.send_signal(signal.SIGTERM)
    printed = serve.communicate(timeout=120)[0]
    assert serve.returncode == 0 and "stopped the embedded PostgreSQL" in printed
    assert not alive(server) and not alive(daemon)
    assert not list((Path(env["YIBAO_HOME"]) / "run").glob("*.pid"))


def test_stop_ends_what_a_killed_serve_left(env):
    subprocess.run([sys.executable, "-c", "from orchestration.warehouse import warehouse_url; warehouse_url()"],
                   env=env, check=True)
    # As a server a killed serve left: with SIGTERM's default action, whatever this process ignores
    # (a worker of the suite may ignore it after an earlier test, and an ignored signal stays
    # ignored across exec).
    left = subprocess.Popen(["sleep", "600"], start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))
    pids = Path(env["YIBAO_HOME"]) / "run"
    pids.mkdir(mode=0o700, exist_ok=True)
    (pids / f"{left.pid}.pid").write_text(str(left.pid))
    server = postmaster(env)
    assert server

    done = subprocess.run([YIBAO, "stop"], env=env, capture_output=True, text=True, check=True)
    assert left.wait(timeout=10) == -signal.SIGTERM
    assert not alive(server) and "the embedded PostgreSQL" in done.stdout
    assert subprocess.run([YIBAO, "stop"], env=env, capture_output=True, text=True).stdout.strip() == "nothing was running"
