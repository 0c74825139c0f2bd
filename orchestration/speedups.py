"""The one setting of the speed techniques: `YIBAO_SPEEDUPS` (default `on`; `off` turns them off).

A technique is kept only where `make bench-loader` (benchmarks/loader_paths.py) measures it at
least 10 % faster beside its absence; each lives in a module of its own and asks `enabled()`.
With the setting off, everything runs the plain way, which the tests check too:

- `quality/gx_import.py`: Great Expectations is imported in a background thread while the files
  load, without the modules its suites never use.
"""

from __future__ import annotations

import os

SETTING = "YIBAO_SPEEDUPS"


def enabled() -> bool:
    """Whether the speed techniques are on (read at each use, so a test can switch them)."""
    return os.environ.get(SETTING, "on").strip().lower() not in ("off", "0", "false", "no")
