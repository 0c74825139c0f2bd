"""Are two revisions' marts the same? Build both on the same landing and compare every mart.

    python -m benchmarks.mart_identity --before REV --after REV [--settlements N | --landing DIR] [--keep | --reuse]

Generates one seeded landing directory with the `--after` revision's generator (the demo's,
20,000 persons over 24 months, or about `--settlements` settlements over 12 months), or takes
`--landing DIR` as it is (to compare on files with bad rows or unusual shapes), then for
each revision: checks it out into a temporary git worktree, runs its `yibao run` on that landing
in a YIBAO_HOME of its own (so each builds its own embedded server and warehouse, with the same
pseudonym key), and finally compares the two warehouses mart by mart.

For every mart it prints the rows on each side and whether they are identical as multisets, else
how many rows only one side has and the first of them. A row is compared as PostgreSQL's text of
the row, over the columns both sides have (`_built_at` and `_load_id`, which number a build and
its loads, are left out); each side sorts its rows (collation "C": code point order) and the two
streams are merged, so no mart is held in memory. Marts, columns and column types found on one
side only are listed.

`person_key` is a keyed pseudonym whose formula changed (a plain SHA-256 of key and person_id,
then an HMAC): each side's pseudonyms are mapped back to the person through its own
`fct_settlements` joined to `raw.settlement` on settlement_id, and rows are compared on that
person, written as a salted hash of the person_id (the salt drawn anew for each comparison, so
the output names no person). The mapping is checked to be one to one on each side.

Writes under bench-output/mart-identity-<size>/ (the landing is kept for the next comparison; the
worktrees and warehouses are removed unless `--keep`; `--reuse` compares kept ones again).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pgserver
import psycopg

from benchmarks.load_and_build import OUTPUT
from orchestration.generator import persons_for_settlements

REPO = Path(__file__).resolve().parent.parent
IGNORED_COLUMNS = {"_built_at", "_load_id"}
PERSON_KEY = "person_key"
PSEUDONYM_KEY = "mart-identity-comparison-key"  # the same on both sides: any 16+ characters
SHOWN_ROWS = 3
SALT = secrets.token_hex(16)
MONTHS_AT_SIZE = 12

# Each side's person_key → the person, as a hash of the person_id under a salt drawn for this
# comparison: the same on both sides, and no person_id in the output.
PERSON_MAP = """
    insert into person_map
    select distinct f.person_key, r.person_id,
           left(encode(sha256(convert_to(%(salt)s || r.person_id, 'UTF8')), 'hex'), 16) as person
    from marts.fct_settlements as f
    join raw.settlement as r using (settlement_id)
"""


@dataclass
class Side:
    """One revision: its checkout, its YIBAO_HOME and, once built, a connection to its warehouse."""

    name: str
    revision: str
    root: Path
    commit: str = ""
    exit_code: int | None = None
    conn: psycopg.Connection | None = None
    columns: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def source(self) -> Path:
        return self.root / f"{self.name}-src"

    @property
    def home(self) -> Path:
        return self.root / f"{self.name}-home"

    @property
    def state(self) -> Path:
        """What `--reuse` needs of an earlier build: the commit built and its run's exit code."""
        return self.home / "mart-identity.json"

    def save(self) -> None:
        self.state.write_text(json.dumps({"commit": self.commit, "exit_code": self.exit_code}))

    def restore(self) -> None:
        if not self.state.exists():
            sys.exit(f"--reuse: no warehouse kept in {self.home} (run with --keep first)")
        self.__dict__.update(json.loads(self.state.read_text()))


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], check=True, capture_output=True, text=True).stdout.strip()


def checkout(side: Side) -> None:
    """A detached worktree of the side's revision (a fresh one), and a fresh YIBAO_HOME."""
    remove_checkout(side)
    shutil.rmtree(side.home, ignore_errors=True)
    side.commit = git("rev-parse", "--verify", f"{side.revision}^{{commit}}")
    git("worktree", "add", "--detach", str(side.source), side.commit)


def remove_checkout(side: Side) -> None:
    if side.source.exists():
        git("worktree", "remove", "--force", str(side.source))
    git("worktree", "prune")


def yibao(side: Side, *args: str) -> int:
    """Run the side's own `yibao` command (its code first on the path), output passed through."""
    bin_dir = str(Path(sys.executable).parent)
    env = {key: value for key, value in os.environ.items()
           if key not in {"WAREHOUSE_URL", "DAGSTER_HOME", "YIBAO_DBT_TARGET", "YIBAO_LANDING"}}
    env |= {"PYTHONPATH": str(side.source), "YIBAO_HOME": str(side.home),
            "YIBAO_PSEUDONYM_KEY": PSEUDONYM_KEY, "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"}
    command = [sys.executable, "-m", "orchestration.cli", *args]
    return subprocess.run(command, cwd=side.source, env=env).returncode


def landing(after: Side, settlements: int | None, seed: int, given: Path | None) -> Path:
    """The landing both sides load: `given`, else a seeded one generated once by the `after` side."""
    if given:
        return given.resolve()
    root = after.root / "landing"
    if (root / "reference").exists():
        return root
    args = ["--seed", str(seed)]
    if settlements:
        args += ["--months", str(MONTHS_AT_SIZE), "--persons", str(persons_for_settlements(settlements, MONTHS_AT_SIZE))]
    if yibao(after, "generate", "--out", str(root), *args) != 0:
        sys.exit(f"generating {root} failed")
    return root


def connect(side: Side) -> None:
    """Connect to the side's embedded warehouse as its superuser; read its marts' columns."""
    server = pgserver.get_server(side.home / "pgdata", cleanup_mode=None)
    side.conn = psycopg.connect(server.get_uri("yibao"))
    rows = side.conn.execute("""
        select c.table_name, c.column_name, c.data_type
        from information_schema.columns as c
        where c.table_schema = 'marts'
        order by c.table_name, c.ordinal_position
    """).fetchall()
    for table, column, data_type in rows:
        if column not in IGNORED_COLUMNS:
            side.columns.setdefault(table, {})[column] = data_type
    side.conn.execute("create temporary table person_map (person_key text, person_id text, person text)")
    if "fct_settlements" in side.columns:  # a run that stopped before dbt leaves no marts
        side.conn.execute(PERSON_MAP, {"salt": SALT})


def person_map_report(side: Side) -> str:
    pairs, keys, persons = side.conn.execute(
        "select count(*), count(distinct person_key), count(distinct person_id) from person_map").fetchone()
    verdict = "one to one" if pairs == keys == persons else "NOT one to one"
    return f"{side.name}: {keys:,} person_key values ↔ {persons:,} person_id values, {verdict}"


def sorted_rows(side: Side, table: str, columns: list[str]) -> Iterator[str]:
    """The mart's rows as text, sorted in code point order, streamed from a server-side cursor."""
    selected = ", ".join(
        f"coalesce('person:' || m.person, 'unmapped:' || t.{PERSON_KEY})" if column == PERSON_KEY else f't."{column}"'
        for column in columns)
    joined = f"left join person_map as m on m.person_key = t.{PERSON_KEY}" if PERSON_KEY in columns else ""
    cursor = side.conn.cursor(name=f"rows_{table}")
    cursor.itersize = 20_000
    cursor.execute(f'select r from (select row({selected})::text as r from marts."{table}" as t {joined}) as rows '
                   f'order by r collate "C"')
    for (row,) in cursor:
        yield row
    cursor.close()


@dataclass
class Comparison:
    rows: list[int] = field(default_factory=lambda: [0, 0])
    only: list[list[str]] = field(default_factory=lambda: [[], []])
    only_count: list[int] = field(default_factory=lambda: [0, 0])

    def add(self, side: int, row: str) -> None:
        self.only_count[side] += 1
        if len(self.only[side]) < SHOWN_ROWS:
            self.only[side].append(row)


def compare(before: Iterator[str], after: Iterator[str]) -> Comparison:
    """Merge two sorted row streams; what one side has more often than the other is its own."""
    result = Comparison()
    sentinel = None
    left, right = next(before, sentinel), next(after, sentinel)
    while left is not sentinel or right is not sentinel:
        if right is sentinel or (left is not sentinel and left < right):
            result.rows[0] += 1
            result.add(0, left)
            left = next(before, sentinel)
        elif left is sentinel or right < left:
            result.rows[1] += 1
            result.add(1, right)
            right = next(after, sentinel)
        else:
            result.rows[0] += 1
            result.rows[1] += 1
            left, right = next(before, sentinel), next(after, sentinel)
    return result


def report_mart(table: str, before: Side, after: Side) -> bool:
    """Compare one mart present on both sides; print the outcome; True when identical."""
    columns = [column for column in after.columns[table] if column in before.columns[table]]
    notes = [f"column {c} only {side.name}" for side, other in ((before, after), (after, before))
             for c in side.columns[table] if c not in other.columns[table]]
    notes += [f"column {c}: {before.columns[table][c]} before, {after.columns[table][c]} after"
              for c in columns if before.columns[table][c] != after.columns[table][c]]
    result = compare(sorted_rows(before, table, columns), sorted_rows(after, table, columns))
    identical = result.only_count == [0, 0]
    rows = f"{result.rows[0]:,} rows" if result.rows[0] == result.rows[1] else \
        f"{result.rows[0]:,} rows before, {result.rows[1]:,} after"
    if identical:
        print(f"  {table}: {rows}, identical" + (f" on the common columns ({'; '.join(notes)})" if notes else ""))
        return True
    print(f"  {table}: {rows}, DIFFERENT: {result.only_count[0]:,} rows only before, "
          f"{result.only_count[1]:,} only after" + (f" ({'; '.join(notes)})" if notes else ""))
    for side, name in ((0, "before"), (1, "after")):
        for row in result.only[side]:
            print(f"      only {name}: {row}")
    return False


def compare_sides(before: Side, after: Side) -> int:
    """Print the comparison of every mart; the number of marts that differ or exist on one side."""
    print(f"\nmarts of {before.revision} ({before.commit[:9]}, yibao run exit {before.exit_code}) against "
          f"{after.revision} ({after.commit[:9]}, yibao run exit {after.exit_code})")
    print(f"person_key mapped back to the person (a salted hash of person_id) through fct_settlements ⋈ raw.settlement: "
          f"{person_map_report(before)}; {person_map_report(after)}")
    print(f"left out of every row: {', '.join(sorted(IGNORED_COLUMNS))}")
    differing = 0
    for side, other in ((before, after), (after, before)):
        for table in sorted(set(side.columns) - set(other.columns)):
            print(f"  {table}: only {side.name}")
            differing += 1
    for table in sorted(set(before.columns) & set(after.columns)):
        differing += not report_mart(table, before, after)
    print(f"{len(set(before.columns) & set(after.columns))} marts on both sides, "
          f"{differing} differing or on one side only")
    return differing


def stop(side: Side) -> None:
    if side.conn is not None:
        side.conn.close()
    if (side.home / "pgdata").exists():
        server = pgserver.get_server(side.home / "pgdata")
        server.cleanup_mode = "stop"
        server.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", required=True, help="a git revision, e.g. 264a62b")
    parser.add_argument("--after", required=True, help="a git revision, e.g. main")
    parser.add_argument("--settlements", type=int, help="about this many settlements over 12 months (default: the demo)")
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--landing", type=Path, help="compare on this landing directory instead of a generated one")
    parser.add_argument("--keep", action="store_true", help="keep the worktrees and the two warehouses")
    parser.add_argument("--reuse", action="store_true", help="compare the warehouses kept by an earlier --keep again")
    args = parser.parse_args()

    size = args.landing.resolve().name if args.landing else args.settlements or "demo"
    root = (REPO / OUTPUT / f"mart-identity-{size}").resolve()
    root.mkdir(parents=True, exist_ok=True)
    before, after = Side("before", args.before, root), Side("after", args.after, root)
    try:
        if args.reuse:
            before.restore()
            after.restore()
        else:
            for side in (after, before):
                checkout(side)
            build(before, after, landing(after, args.settlements, args.seed, args.landing))
        for side in (before, after):
            connect(side)
        return 1 if compare_sides(before, after) else 0
    finally:
        for side in (before, after):
            stop(side)
            if not (args.keep or args.reuse):
                remove_checkout(side)
                shutil.rmtree(side.home, ignore_errors=True)


def build(before: Side, after: Side, path: Path) -> None:
    """Run each revision's `yibao run` on the landing `path`."""
    for side in (before, after):
        print(f"\n== yibao run of {side.revision} ({side.commit[:9]}) on {path}", flush=True)
        side.exit_code = yibao(side, "run", "--landing", str(path))
        side.save()


if __name__ == "__main__":
    sys.exit(main())
