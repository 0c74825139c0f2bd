"""The layout of a landing directory (the contract's landing directory): which file is which.

Only regular files are landing files: a symbolic link (which could point at any file the
pipeline may read) or anything else in the layout's places is listed as refused, with the
reason, and never read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.loading.reading import SYMBOLIC_LINK
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


def _refused(path: Path) -> str | None:
    """Why `path` (in a place of the layout) is not a landing file, or None when it is one."""
    if path.is_symlink():
        return SYMBOLIC_LINK
    if not path.is_file():
        return "not a regular file"
    return None


def discover(root: Path) -> Landing:
    """Find the landing files under `root`; files the layout does not allow are `misplaced`."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"landing directory not found: {root}")
    landing = Landing(root)
    for source in REFERENCE_SOURCES:
        path = root / source.file_name()
        if not (path.exists() or path.is_symlink()):
            continue
        problem = SYMBOLIC_LINK if path.parent.is_symlink() else _refused(path)
        if problem:
            landing.misplaced.append((source.name, path, problem))
        else:
            landing.reference[source.name] = path
    for source in MONTHLY_SOURCES:
        files = landing.monthly.setdefault(source.name, {})
        folder = root / source.folder
        if folder.is_symlink():
            landing.misplaced.append((source.name, folder, SYMBOLIC_LINK))
            continue
        for path in sorted(folder.glob("*")) if folder.is_dir() else []:
            match = _MONTH_FILE.match(path.name)
            problem = _refused(path) or (None if match else "not a monthly file named YYYY-MM.csv")
            if problem:
                landing.misplaced.append((source.name, path, problem))
            else:
                files[f"{match[1]}-{match[2]}"] = path
    return landing


def missing_reference(landing: Landing) -> list[str]:
    """Required reference files that the landing directory lacks (a refused one is not lacking:
    its rejection is recorded, and the snapshot loaded before it stays)."""
    present = set(landing.reference) | {source for source, _, _ in landing.misplaced}
    return [s.file_name() for s in REFERENCE_SOURCES if not s.optional and s.name not in present]
