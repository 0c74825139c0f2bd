"""docker-compose.yml for the bureau, checked without a container engine: Debian's docker-compose
validates it (`config`, against the Compose specification's schema, with .env.example's values),
and every service built from the repository runs a command that exists in the project's
environment. Building and starting the containers cannot be done here."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from orchestration.cli import PARTS

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"


def resolve(*files: Path) -> dict:
    """`files` as docker-compose resolves them, with .env.example's values."""
    if not shutil.which("docker-compose"):
        pytest.fail("docker-compose is missing: make services installs Debian's")
    done = subprocess.run(["docker-compose", "--project-directory", str(ROOT), *(f"--file={f}" for f in files),
                           "--env-file", str(ENV_EXAMPLE), "config"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


@pytest.fixture(scope="module")
def resolved() -> dict:
    return resolve(COMPOSE)


def test_every_secret_comes_from_the_env_file_which_git_ignores(resolved):
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE.read_text()))
    example = {line.split("=", 1)[0] for line in ENV_EXAMPLE.read_text().splitlines() if "=" in line and line[0] != "#"}
    assert required and required <= example
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT).returncode == 0
    assert ignored


def test_only_the_web_ports_are_published_on_localhost(resolved):
    published = {name: service["ports"] for name, service in resolved["services"].items() if service.get("ports")}
    assert published == {"superset": ["127.0.0.1:8088:8088/tcp"], "dagster-webserver": ["127.0.0.1:3000:3000/tcp"]}


def test_each_service_waits_for_what_it_needs_and_says_when_it_is_up(resolved):
    services = resolved["services"]
    for name, service in services.items():
        for needed, condition in service.get("depends_on", {}).items():
            assert condition["condition"] == "service_healthy" and "healthcheck" in services[needed], name
    assert {"warehouse", "redis", "dagster-code", "superset"} <= {n for n, s in services.items() if "healthcheck" in s}
    assert services["warehouse"]["image"] == "postgres:16"
    assert "warehouse-data:/var/lib/postgresql/data:rw" in services["warehouse"]["volumes"]  # a named volume


def test_each_built_service_runs_a_command_of_the_project(resolved):
    """Built from the repository's Dockerfile, whose PATH starts with the project's .venv/bin."""
    from orchestration.cli import _parser

    built = {name: service for name, service in resolved["services"].items() if "build" in service}
    assert set(built) == {"dagster-code", "dagster-webserver", "dagster-daemon", "superset"}
    served = set()
    for name, service in built.items():
        program, *args = service["command"]
        assert Path(sys.executable).with_name(program).exists(), name
        parsed = _parser().parse_args(args)  # refused (SystemExit) when yibao has no such command
        served.add(parsed.only)
    assert served == set(PARTS)
    assert "make setup" in (ROOT / "Dockerfile").read_text()  # the same pinned constraints


def test_the_citus_variant_puts_the_warehouse_on_a_coordinator_and_two_workers():
    services = resolve(COMPOSE, ROOT / "docker-compose.citus.yml")["services"]
    nodes = {name for name, s in services.items() if s.get("image", "").startswith("citusdata/citus:")}
    assert nodes == {"warehouse", "citus-worker-1", "citus-worker-2", "citus-nodes"}
    assert "citus" in services["warehouse"]["command"] and "max_prepared_transactions=100" in services["warehouse"]["command"]
    assert services["dagster-code"]["depends_on"]["citus-nodes"] == {"condition": "service_completed_successfully"}
    assert {services[name]["environment"]["YIBAO_DBT_TARGET"] for name in PARTS} == {"citus"}
    assert not any(services[name].get("ports") for name in nodes)
