"""The bulletin as data: sections of narrative and tables, which the HTML, PDF and XLSX renderers
all read, so that the three files say the same."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from orchestration.bulletin.periods import HalfYear

# How a column's values are shown: HTML text format and XLSX number format.
KINDS = {
    "text": (None, "@"),
    "amount": ("{:,.2f}", "#,##0.00"),      # yuan
    "rate": ("{:.2%}", "0.00%"),            # a share, e.g. 0.1523 shown 15.23%
    "months": ("{:.2f}", "0.00"),           # payable months
    "count": ("{:,.0f}", "#,##0"),
    "date": ("{:%Y-%m-%d}", "yyyy-mm-dd"),
    "month": ("{:%Y-%m}", "yyyy-mm"),
}


@dataclass(frozen=True)
class Column:
    label: str  # the Chinese header
    kind: str = "text"
    wrap: bool = False  # long text (names, reasons) may wrap; codes, figures and short labels do not

    def show(self, value) -> str:
        """The value as the HTML and PDF show it; an empty figure is a dash."""
        if value is None:
            return "—"
        pattern = KINDS[self.kind][0]
        return pattern.format(value) if pattern else str(value)

    @property
    def number_format(self) -> str:
        return KINDS[self.kind][1]

    @property
    def css_class(self) -> str:
        """Figures align right; only long text wraps."""
        if self.kind in ("text", "date", "month"):
            return "wrap" if self.wrap else "nowrap"
        return "num"


@dataclass
class Table:
    """One table of the bulletin; `name` is its Excel table name in the workbook, `source` the
    marts (or audit tables) its figures come from."""

    name: str
    sheet: str
    title: str
    source: str
    columns: list[Column]
    rows: list[tuple]
    note: str = ""
    in_document: bool = True  # False: in the workbook only (e.g. the data behind a chart)


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    chart: str | None = None  # an SVG drawing
    chart_caption: str = ""


@dataclass
class Bulletin:
    period: HalfYear
    issuer: str
    issued: date
    data_until: date  # the latest month of the warehouse's data
    opening: str
    sections: list[Section]
    closing: list[str]

    @property
    def title(self) -> str:
        return f"關於{self.period.label}大病保險資金使用及監督檢查情況的通報"

    @property
    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]
