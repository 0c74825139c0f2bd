"""The Dagster UI that `yibao serve` starts has no login, so it launches nothing: its GraphQL
API refuses a run of the pipeline's job."""

from __future__ import annotations

import time

import pytest
import requests

from dashboards.server import free_port, stop
from orchestration.pipeline import prepare_dagster
from orchestration.serving import start_webserver

LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on UnauthorizedError { message }
    ... on PythonError { message }
    ... on LaunchRunSuccess { run { runId } }
  }
}
"""
REPOSITORIES = "{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }"


@pytest.fixture(scope="module")
def dagster_ui(isolated_home, tmp_path_factory, monkeypatch_module) -> str:
    monkeypatch_module.setenv("YIBAO_LANDING", str(tmp_path_factory.mktemp("landing")))
    prepare_dagster()
    port = free_port()
    monkeypatch_module.setenv("YIBAO_DAGSTER_PORT", str(port))
    process = start_webserver()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while not _answers(url + "/server_info"):
            assert process.poll() is None and time.monotonic() < deadline, "the Dagster UI did not start"
            time.sleep(1)
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_the_dagster_ui_refuses_to_launch_a_run(dagster_ui):
    repositories = _graphql(dagster_ui, REPOSITORIES)["repositoriesOrError"]["nodes"]
    assert len(repositories) == 1
    selector = {"repositoryLocationName": repositories[0]["location"]["name"],
                "repositoryName": repositories[0]["name"], "jobName": "load_and_build"}
    tags = [{"key": "dagster/asset_partition_range_start", "value": "2025-01"},
            {"key": "dagster/asset_partition_range_end", "value": "2025-01"}]
    launched = _graphql(dagster_ui, LAUNCH, {"params": {"selector": selector, "runConfigData": {},
                                                         "executionMetadata": {"tags": tags}}})["launchRun"]
    assert launched["__typename"] == "UnauthorizedError", launched


def _graphql(base_url: str, query: str, variables: dict | None = None) -> dict:
    response = requests.post(base_url + "/graphql", json={"query": query, "variables": variables or {}}, timeout=60)
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False
