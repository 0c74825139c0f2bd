"""The test suite's wall-clock times: `make test-fast` and `make test`, in a clean clone.

    python -m benchmarks.suite_times [--baseline COMMIT] [--only fast|full] [--repeat N]

Each run is the Makefile's own target in a fresh `git clone` of a commit (HEAD, then the
`--baseline` commit's full suite when given), with this checkout's virtualenvs linked into it and
the clone's code first on PYTHONPATH, so that the `yibao` subprocesses run the clone's code too.
The targets' install steps are skipped (`make -o setup`): they would re-point the shared
virtualenv at the clone. It prints, per run, the seconds, pytest's last line and the machine's
load average before and after: the machine may be shared, and a loaded one slows every run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENVS = (".venv", ".venv-superset")
SKIPPED_PREREQUISITES = ("setup", "superset", "browser", "citus")


@dataclass
class Timing:
    label: str
    seconds: float
    summary: str
    load_before: float
    load_after: float

    def line(self) -> str:
        return (f"{self.label:<34}{self.seconds:>9.0f} s   load {self.load_before:4.1f} -> {self.load_after:4.1f}"
                f"   {self.summary}")


def clone(commit: str, into: Path) -> Path:
    """A clean clone of this repository at `commit`, with the virtualenvs linked in."""
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(into)], check=True)
    subprocess.run(["git", "-C", str(into), "checkout", "--quiet", commit], check=True)
    for venv in VENVS:
        (into / venv).symlink_to((ROOT / venv).resolve())
    return into


def run_target(checkout: Path, target: str, label: str, log: Path) -> Timing:
    """`make <target>` in `checkout`, timed; its output goes to `log`."""
    skip = [flag for name in SKIPPED_PREREQUISITES for flag in ("-o", name)]
    env = {**os.environ, "PYTHONPATH": str(checkout), "TMPDIR": str(log.parent)}
    env.pop("WAREHOUSE_URL", None)
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    with log.open("w") as out:
        subprocess.run(["make", "-C", str(checkout), *skip, target], stdout=out, stderr=subprocess.STDOUT, env=env)
    seconds = time.monotonic() - started
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    summary = next((line.strip("= ") for line in reversed(lines) if " in " in line and ("passed" in line or
                                                                                         "failed" in line)), "?")
    return Timing(label, seconds, summary, load_before, os.getloadavg()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="a commit whose full suite (`make test`) is timed after HEAD's")
    parser.add_argument("--only", choices=("fast", "full"), help="time only this suite of HEAD")
    parser.add_argument("--repeat", type=int, default=1, help="times each suite is run")
    args = parser.parse_args()

    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    # Short paths: the embedded servers' sockets live in pgdata under each run's temporary folder,
    # and a Unix socket's path has at most 107 bytes.
    work = Path(tempfile.mkdtemp(prefix="st-", dir="/tmp"))
    print(f"clones and logs (1/pytest.log, ...) in {work}; {os.cpu_count()} CPUs", flush=True)
    plan = []
    if args.only != "full":
        plan.append((head, "test-fast", "fast subset (make test-fast)"))
    if args.only != "fast":
        plan.append((head, "test", "full suite (make test)"))
    if args.baseline:
        plan.append((args.baseline, "test", "full suite"))
    checkouts: dict[str, Path] = {}
    timings = []
    for round_ in range(1, args.repeat + 1):
        for commit, target, what in plan:
            if commit not in checkouts:
                checkouts[commit] = clone(commit, work / f"clone-{commit}")
            log = work / f"{len(timings) + 1}" / "pytest.log"
            log.parent.mkdir()
            timing = run_target(checkouts[commit], target, f"{commit} {what}", log)
            print(timing.line(), flush=True)
            timings.append(timing)
    print("\nsuite times (wall clock)")
    for timing in timings:
        print(timing.line())


if __name__ == "__main__":
    sys.exit(main())
