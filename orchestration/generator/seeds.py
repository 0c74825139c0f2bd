"""The static reference inputs under seeds/ (documented in seeds/README.md)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@cache
def read(name: str) -> tuple[dict[str, str], ...]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def name_parts(kind: str) -> list[str]:
    return [row["part"] for row in read("name_parts") if row["kind"] == kind]
