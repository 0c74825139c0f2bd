"""What is alerted (預警), read from the marts: the state of every fund and institution at the
latest month, and which of those states is a condition to notify.

Three kinds of condition, each identified by (kind, subject, level):
- `fund_status`: a fund's payable months (marts.fund_payable_months, latest month) in the band
  `low` or `critical`, or `excess` for the employee fund (the mart never marks the others so);
- `overspend`: an institution's band `over` at the latest month of marts.institution_overspend.
  Its projected overspend rate, (ytd × 12 ÷ m − budget) ÷ budget, equals the year-to-date rate
  ytd ÷ (budget × m ÷ 12) − 1, so it crosses the tolerance exactly when the band turns `over`:
  one condition covers both;
- `cases_past_due`: an institution with suspicious cases past their 3-month verification deadline
  (marts.suspicious_settlements.is_past_due); the figure is how many.
A fund condition concerns the prefecture (scope `city`); an institution's, its county.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import psycopg

from dashboards.links import BUDGET_OVERSPEND, FUND_OVERVIEW, INSPECTIONS, dashboard_link
from orchestration.bulletin import labels
from orchestration.policy import numeric_policy_parameters

CITY = "city"


@dataclass(frozen=True)
class State:
    """A subject's state at the latest month: `level` is None when it is not alarming."""

    kind: str
    subject: str
    level: str | None
    scope: str  # `city`, or the institution's county_code
    month: date
    figure: Decimal | None
    title: str  # what the e-mail's subject says
    text: str  # the state in a sentence, with its figures
    link: str

    @property
    def key(self) -> tuple[str, str, str]:
        return self.kind, self.subject, self.level


def current_states(conn: psycopg.Connection) -> list[State]:
    """Every fund's and every budgeted or flagged institution's state at the latest month."""
    policy = numeric_policy_parameters(conn)
    return [*_funds(conn, policy), *_overspend(conn, policy), *_past_due(conn)]


def _funds(conn: psycopg.Connection, policy: dict[str, Decimal]) -> list[State]:
    rows = conn.execute("""
        select distinct on (fund_code) fund_code, month, closing_balance, avg_monthly_expenditure,
               payable_months, status, (month - interval '11 months')::date, (month + interval '1 month')::date
        from marts.fund_payable_months
        order by fund_code, month desc""").fetchall()
    states = []
    for fund, month, balance, average, payable, status, *last_12_months in rows:
        name, status_name = labels.FUNDS[fund], labels.PAYABLE_STATUS[status]
        level = status if status in ("low", "critical", "excess") else None
        line = {"critical": f"低於{policy['payable_months_critical']}個月的預警線",
                "low": f"低於{policy['payable_months_low']}個月的預警線",
                "excess": f"高於{policy['payable_months_excess']}個月（結存過多）"}.get(status, "在合理區間")
        states.append(State(
            "fund_status", fund, level, CITY, month, payable,
            f"{name}可支付月數{labels.months(payable)}，預警狀態「{status_name}」",
            f"{name}截至{labels.month_label(month)}累計結餘{labels.wan(balance)}，近12個月月均支出"
            f"{labels.wan(average)}，可支付{labels.months(payable)}，{line}，預警狀態「{status_name}」。",
            dashboard_link(FUND_OVERVIEW, months=tuple(last_12_months))))
    return states


def _overspend(conn: psycopg.Connection, policy: dict[str, Decimal]) -> list[State]:
    rows = conn.execute("""
        select o.institution_code, i.institution_name, i.county_code, i.county_name, o.month, o.ytd_budget,
               o.ytd_expenditure, o.overspend_amount, o.overspend_rate, o.projected_overspend_rate, o.band
        from marts.institution_overspend as o
        join marts.dim_institutions as i using (institution_code)
        where o.month = (select max(month) from marts.institution_overspend)""").fetchall()
    tolerance = labels.percent(policy["overspend_tolerance"])
    states = []
    for code, name, county, county_name, month, budget, spent, amount, rate, projected, band in rows:
        where = f"{name}（{code}，{county_name or county}）"
        states.append(State(
            "overspend", code, "over" if band == "over" else None, county, month, rate,
            f"{name}（{county_name or county}）年初至今超支率{labels.percent(rate)}",
            f"{where}{month.year}年1月至{month.month}月統籌基金支出{labels.wan(spent)}，年初至今預算"
            f"{labels.wan(budget)}，超支{labels.wan(amount)}，超支率{labels.percent(rate)}"
            f"（容忍範圍{tolerance}，{labels.OVERSPEND_BANDS[band]}），預計全年超支率{labels.percent(projected)}。",
            dashboard_link(BUDGET_OVERSPEND, county_name=county_name)))
    return states


def _past_due(conn: psycopg.Connection) -> list[State]:
    """Institutions with flagged cases: those with cases past due are conditions; the others are
    states that resolve an earlier condition."""
    rows = conn.execute("""
        select s.institution_code, i.institution_name, i.county_code, i.county_name,
               count(distinct s.settlement_id) filter (where s.is_past_due),
               min(s.due_date) filter (where s.is_past_due),
               (select max(month) from marts.dim_months)
        from marts.suspicious_settlements as s
        join marts.dim_institutions as i using (institution_code)
        group by s.institution_code, i.institution_name, i.county_code, i.county_name""").fetchall()
    states = []
    for code, name, county, county_name, count, earliest, month in rows:
        where = f"{name}（{code}，{county_name or county}）"
        text = (f"{where}有{count}宗疑似問題病案已超過3個月核查期限（最早期限{earliest:%Y-%m-%d}）尚無核查結論。"
                if count else f"{where}已無超過核查期限未辦結的疑似問題病案。")
        states.append(State(
            "cases_past_due", code, "past_due" if count else None, county, month, Decimal(count),
            f"{name}（{county_name or county}）有{count}宗疑似問題病案逾期未核查", text,
            dashboard_link(INSPECTIONS, county_name=county_name)))
    return states
