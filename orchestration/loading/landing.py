"""The layout of a landing directory (shared/CONTRACT.md §2): which file is which."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.sources import MONTHLY_SOURCES, REFERENCE_SOURCES

_MONTH_FILE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])\.csv$")


@dataclass
class Landing:
    root: Path
    reference: dict[str, Path] = field(default_factory=dict)  # source name -> file
    monthly: dict[str, dict[str, Path]] = field(default_factory=dict)  # source -> month -> file
    misplaced: list[tuple[str, Path, str]] = field(default_factory=list)  # (source, file, problem)

    @property
    def months(self) -> list[str]:
        """Every month (YYYY-MM) that has a file of any monthly source, in order."""
        return sorted({month for files in self.monthly.values() for month in files})


def discover(root: Path) -> Landing:
    """Find the landing files under `root`; files the layout does not allow are `misplaced`."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"landing directory not found: {root}")
    landing = Landing(root)
    for source in REFERENCE_SOURCES:
        path = root / source.file_name()
        if path.is_file():
            landing.reference[source.name] = path
    for source in MONTHLY_SOURCES:
        files = landing.monthly.setdefault(source.name, {})
        folder = root / source.folder
        for path in sorted(folder.glob("*")) if folder.is_dir() else []:
            match = _MONTH_FILE.match(path.name)
            if match and path.is_file():
                files[f"{match[1]}-{match[2]}"] = path
            else:
                landing.misplaced.append((source.name, path, "not a monthly file named YYYY-MM.csv"))
    return landing


def missing_reference(landing: Landing) -> list[str]:
    """Required reference files that the landing directory lacks."""
    return [s.file_name() for s in REFERENCE_SOURCES if not s.optional and s.name not in landing.reference]
