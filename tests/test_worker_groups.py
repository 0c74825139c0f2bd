"""The tests' groups under pytest-xdist (tests/conftest.py): a worker builds a module's warehouses,
or a session-wide one, only when no other worker does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict

from tests.conftest import ROOT

MODULES = ("tests/test_citus.py", "tests/test_dashboards.py", "tests/test_bulletin.py", "tests/test_loader.py")


def test_a_module_s_tests_share_one_group_even_those_that_get_a_shared_warehouse_by_name(tmp_path):
    """The groups a worker writes when it collects: tests/test_citus.py's county tests get the
    Citus and demo warehouses through getfixturevalue, and apart from their module's other
    tests a second worker would start a second cluster and build the demo warehouse again."""
    collected = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                                f"--basetemp={tmp_path / 'b'}", *MODULES], cwd=ROOT, capture_output=True, text=True,
                               env={**os.environ, "PYTEST_XDIST_WORKER": "gw0"})
    assert collected.returncode == 0, collected.stdout + collected.stderr
    groups = json.loads((tmp_path / "xdist-groups.json").read_text())
    by_module = defaultdict(set)
    for nodeid, group in groups.items():
        by_module[nodeid.split("::")[0]].add(group)
    assert by_module == {"tests/test_citus.py": {"demo"}, "tests/test_dashboards.py": {"demo"},
                         "tests/test_bulletin.py": {"generated"}, "tests/test_loader.py": {"tests.test_loader"}}
