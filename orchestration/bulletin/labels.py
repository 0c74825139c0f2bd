"""Chinese names of the warehouse's codes, as the dashboards show them (the glossary of docs/marts.md),
for the bulletin and the alerts."""

from __future__ import annotations

from decimal import Decimal

FUNDS = {
    "employee_pooled": "職工醫保統籌基金",
    "resident_basic": "城鄉居民醫保基金",
    "critical_illness": "大病保險資金",
}
FUND_ORDER = list(FUNDS)

PAYABLE_STATUS = {"critical": "不足", "low": "偏低", "normal": "合理", "excess": "過多"}

OVERSPEND_BANDS = {"under": "未超支", "tolerated": "容忍範圍內超支", "over": "超出容忍範圍"}

FINDINGS = {
    "hanging_bed": "掛床住院",
    "induced_admission": "誘導住院",
    "fictitious_service": "虛構醫療服務",
    "forged_documents": "偽造醫療文書票據",
    "over_standard_charge": "超標準收費",
    "duplicate_charge": "重複收費",
    "item_substitution": "串換項目收費",
    "unreasonable_treatment": "不合理診療",
    "split_admission": "分解住院",
    "other": "其他問題",
}

ACTIONS = {
    "interview": "約談",
    "rectify": "限期整改",
    "suspend": "中止協議",
    "terminate": "解除協議",
    "refer_judicial": "移送司法",
}

INSPECTION_STATUS = {"inspected": "已檢查", "pending": "待檢查", "not_inspected": "未檢查"}

TRIGGERS = {
    "half_year_selection": "半年度選取",
    "complaint": "投訴舉報",
    "routine": "日常檢查",
    "data_anomaly": "數據異常",
    "referral": "移送線索",
}

RECTIFICATION_STATUS = {"closed": "按期整改", "closed_late": "逾期整改", "overdue": "逾期未整改", "open": "整改中"}

REVIEW_OUTCOMES = {"pending": "核查中", "confirmed": "違規屬實", "cleared": "排除"}

SOURCES = {
    "settlement": "結算數據",
    "fund_flows": "基金收支",
    "enrollment": "參保數據",
    "inspection": "稽核檢查",
    "case_review": "病案核查",
}

CHINESE_NUMERALS = "一二三四五六七八九十"


def wan(amount: Decimal | float | None) -> str:
    """Yuan as 萬元 with two decimals, the unit of a bureau's run reports (e.g. 991.03萬元)."""
    return "—" if amount is None else f"{Decimal(amount) / 10000:,.2f}萬元"


def percent(rate: Decimal | float | None, signed: bool = False) -> str:
    """A share as a percentage with two decimals; `signed` for a change (+12.30%)."""
    if rate is None:
        return "—"
    return f"{Decimal(rate) * 100:{'+' if signed else ''},.2f}%"


def months(value: Decimal | float | None) -> str:
    return "—" if value is None else f"{Decimal(value):.2f}個月"


def month_label(day) -> str:
    """e.g. 2025年12月."""
    return f"{day.year}年{day.month}月"
