"""The bulletin's three files: HTML (Jinja2), PDF (headless Chromium's print-to-PDF through
Playwright) and an XLSX workbook of its tables (openpyxl)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from orchestration.bulletin import labels
from orchestration.bulletin.charts import CHINESE_FONT
from orchestration.bulletin.model import Bulletin, Table

# Debian's Chromium: Playwright's own browser download cannot work offline.
CHROMIUM = "/usr/bin/chromium"
_CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
_FOOTER = (f'<div style="font-family: \'{CHINESE_FONT}\'; font-size: 8pt; width: 100%; text-align: center;">'
           '第 <span class="pageNumber"></span> 頁 共 <span class="totalPages"></span> 頁</div>')
_MARGINS = {"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"}


def render_html(bulletin: Bulletin) -> str:
    environment = Environment(loader=PackageLoader("orchestration.bulletin"), autoescape=select_autoescape(["j2"]),
                              trim_blocks=True, lstrip_blocks=True)
    environment.globals["zip"] = zip
    closing = labels.CHINESE_NUMERALS[len(bulletin.sections)]
    return environment.get_template("bulletin.html.j2").render(
        bulletin=bulletin, font=CHINESE_FONT, closing_title=f"{closing}、工作要求")


def write_pdf(html: Path, pdf: Path) -> None:
    """Print `html` to an A4 `pdf` with page numbers (第 n 頁 共 N 頁) in the footer."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (`make browser`) to write the PDF")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=_CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(html.resolve().as_uri(), wait_until="load")
            page.pdf(path=str(pdf), format="A4", print_background=True, display_header_footer=True,
                     header_template="<span></span>", footer_template=_FOOTER, margin=_MARGINS)
        finally:
            browser.close()


def write_xlsx(bulletin: Bulletin, path: Path) -> None:
    """A workbook with a contents sheet and one sheet per table; each table is an Excel table
    named as in the bulletin (e.g. `fund_status`), its header the Chinese column labels, its
    figures the marts' values with a number format (nothing rounded)."""
    from openpyxl import Workbook

    workbook = Workbook()
    contents = workbook.active
    contents.title = "目錄"
    contents.append([bulletin.title])
    contents.append([f"期間：{bulletin.period}（{bulletin.period.span_label}）；數據截至"
                     f"{labels.month_label(bulletin.data_until)}；生成日期：{bulletin.issued:%Y-%m-%d}"])
    contents.append([])
    contents.append(["工作表", "表", "Excel表名", "數據來源"])
    for table in bulletin.tables:
        contents.append([table.sheet, table.title, table.name, table.source])
        _write_table(workbook.create_sheet(table.sheet), table)
    contents.column_dimensions["A"].width = 18
    contents.column_dimensions["B"].width = 56
    contents.column_dimensions["C"].width = 24
    workbook.save(path)


def _write_table(sheet, table: Table) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table as ExcelTable, TableStyleInfo

    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True)
    sheet.append([f"數據來源：{table.source}" + (f"。{table.note}" if table.note else "")])
    sheet.append([])
    header_row = 4
    sheet.append([column.label for column in table.columns])
    # An Excel table needs a data row: an empty table keeps one blank row.
    for row in table.rows or [(None,) * len(table.columns)]:
        sheet.append(list(row))
    last_row = header_row + max(len(table.rows), 1)
    for index, column in enumerate(table.columns, start=1):
        letter = get_column_letter(index)
        for (cell,) in sheet.iter_rows(min_row=header_row + 1, max_row=last_row, min_col=index, max_col=index):
            cell.number_format = column.number_format
        sheet.column_dimensions[letter].width = max(12, min(40, 2 * len(column.label) + 4))
    ref = f"A{header_row}:{get_column_letter(len(table.columns))}{last_row}"
    excel_table = ExcelTable(displayName=table.name, ref=ref)
    excel_table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    sheet.add_table(excel_table)
