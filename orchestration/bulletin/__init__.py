"""The half-year bulletin (半年度通報, docs/domain.md requirement 2): HTML, PDF and XLSX."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg

from orchestration.bulletin.periods import HalfYear, latest_complete, require_complete
from orchestration.warehouse import yibao_home

__all__ = ["BulletinFiles", "HalfYear", "bulletin_dir", "latest_complete", "write_bulletin"]


@dataclass(frozen=True)
class BulletinFiles:
    html: Path
    pdf: Path
    xlsx: Path

    def __iter__(self):
        return iter((self.html, self.pdf, self.xlsx))


def bulletin_dir() -> Path:
    """Where bulletins are written: `$YIBAO_HOME/bulletins`."""
    return yibao_home() / "bulletins"


def write_bulletin(conn: psycopg.Connection, period: HalfYear, out_dir: Path | None = None,
                   issued: date | None = None) -> BulletinFiles:
    """Write the bulletin of `period` (which must be complete in the warehouse) as
    `yibao-bulletin-<period>.html`, `.pdf` and `.xlsx` under `out_dir` (default bulletin_dir())."""
    from orchestration.bulletin.content import build_bulletin
    from orchestration.bulletin.render import render_html, write_pdf, write_xlsx

    require_complete(conn, period)
    bulletin = build_bulletin(conn, period, issued or date.today())
    out_dir = out_dir or bulletin_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"yibao-bulletin-{period}"
    files = BulletinFiles(stem.with_suffix(".html"), stem.with_suffix(".pdf"), stem.with_suffix(".xlsx"))
    files.html.write_text(render_html(bulletin), encoding="utf-8")
    write_pdf(files.html, files.pdf)
    write_xlsx(bulletin, files.xlsx)
    return files
