"""Local secrets: generated atomically into owner-only files, refused when empty or short (from
the environment too), and never printed by `yibao serve`."""

from __future__ import annotations

import stat

import pytest

from orchestration import warehouse

SECRET = "a-secret-long-enough-0123456789"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("YIBAO_HOME", str(tmp_path))
    monkeypatch.delenv("YIBAO_TEST_SECRET", raising=False)
    return tmp_path


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_generated_secret_is_kept_in_an_owner_only_file(home):
    value = warehouse.stored_secret("YIBAO_TEST_SECRET", "test_secret")

    path = home / "secrets" / "test_secret"
    assert path.read_text() == value and len(value) >= 16
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["test_secret"]  # no temporary file left
    assert warehouse.stored_secret("YIBAO_TEST_SECRET", "test_secret") == value


def test_an_existing_secret_file_is_made_owner_only(home):
    path = home / "secrets" / "test_secret"
    path.parent.mkdir()
    path.write_text(SECRET)
    path.chmod(0o644)

    assert warehouse.stored_secret("YIBAO_TEST_SECRET", "test_secret") == SECRET
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


def test_an_empty_secret_file_is_refused_not_replaced(home):
    """What a crash between creating and writing the file left behind before: a new key would
    silently change every pseudonym, so the file is named and kept."""
    path = home / "secrets" / "test_secret"
    path.parent.mkdir()
    path.touch()

    with pytest.raises(ValueError, match=f"{path} is empty"):
        warehouse.stored_secret("YIBAO_TEST_SECRET", "test_secret")
    assert path.read_text() == ""


@pytest.mark.parametrize("value, problem", [("", "is empty"), ("short-key", "is shorter than 16 characters")])
def test_an_empty_or_short_secret_from_the_environment_is_refused(home, monkeypatch, value, problem):
    monkeypatch.setenv("YIBAO_TEST_SECRET", value)
    with pytest.raises(ValueError, match=rf"\$YIBAO_TEST_SECRET {problem}"):
        warehouse.stored_secret("YIBAO_TEST_SECRET", "test_secret")
    assert not (home / "secrets" / "test_secret").exists()


def test_logs_are_owner_only(home):
    log = home / "logs" / "run.log"
    with warehouse.open_private(log, "w") as f:
        f.write("dbt output")
    assert mode(log) == 0o600 and mode(log.parent) == 0o700


def test_serve_says_where_the_admin_password_is_never_what_it_is(home, monkeypatch, capsys):
    from dashboards.settings import admin_password
    from orchestration.serving import _print_addresses

    monkeypatch.delenv("SUPERSET_ADMIN_PASSWORD", raising=False)
    _print_addresses("http://127.0.0.1:8088", dagster_ui=True, marts_built=True)

    printed = capsys.readouterr().out
    assert str(home / "secrets" / "superset_admin_password") in printed
    assert admin_password() not in printed
