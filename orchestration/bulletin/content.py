"""What the half-year bulletin (半年度通報) says, read from the marts: one function per section.

Every figure of a table is a mart's value, or a sum or difference of mart values over the
half-year; the narrative quotes the tables. tests/test_bulletin.py compares each table of the
XLSX workbook with the marts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import psycopg

from dashboards.links import (BUDGET_OVERSPEND, FUND_OVERVIEW, INSPECTIONS, KEY_INSTITUTIONS,
                              dashboard_link)
from orchestration.bulletin import labels
from orchestration.bulletin.charts import payable_months_chart
from orchestration.bulletin.model import Bulletin, Column, Link, Section, Table
from orchestration.bulletin.periods import HalfYear, data_months
from orchestration.policy import numeric_policy_parameters
from orchestration.sources import MONTHLY_SOURCES

ISSUER = "大病保險協同管理工作組"


class Reader:
    """The marts of one half-year: its bounds as query parameters, the policy parameters."""

    def __init__(self, conn: psycopg.Connection, period: HalfYear):
        self.conn = conn
        self.period = period
        self.params = {
            "first": period.first_month, "last": period.last_month,
            "prev_first": period.year_earlier.first_month, "prev_last": period.year_earlier.last_month,
            "period": str(period),
        }
        self.data_until = data_months(conn)[1]
        self.policy = numeric_policy_parameters(conn)

    def rows(self, sql: str) -> list[tuple]:
        return self.conn.execute(sql, self.params).fetchall()

    def number(self, key: str) -> Decimal:
        """A policy parameter (defaults in dbt_project.yml, overrides in policy_parameters.csv)."""
        return self.policy[key]

    def link(self, label: str, slug: str, time_filter: bool = False) -> Link:
        """`slug` with its half-year filter (or its time filter) set to this half-year."""
        months = (self.period.first_month, self.period.end) if time_filter else None
        return Link(label, dashboard_link(slug, period=str(self.period), months=months))


def build_bulletin(conn: psycopg.Connection, period: HalfYear, issued: date) -> Bulletin:
    reader = Reader(conn, period)
    sections = [fund_status(reader), county_ci_spending(reader), key_institutions(reader), inspection_plan(reader),
                previous_plan(reader), inspections(reader), suspicious_cases(reader), overspend(reader),
                data_quality(reader)]
    for number, section in zip(labels.CHINESE_NUMERALS, sections):
        section.title = f"{number}、{section.title}"
    documented = [table for section in sections for table in section.tables if table.in_document]
    for number, table in enumerate(documented, start=1):
        table.title = f"表{number}　{table.title}"
    return Bulletin(
        period=period, issuer=ISSUER, issued=issued, data_until=reader.data_until,
        opening=(f"為加強大病保險資金監督管理，落實協同管理工作機制，現將{period.label}（{period.span_label}）"
                 f"全市基金運行、各縣（市、區）大病保險資金使用、重點機構名單及現場檢查計劃、監督檢查、"
                 f"疑似問題病案核查、總額預算執行及數據質量情況通報如下："),
        sections=sections,
        closing=[
            "各縣（市、區）醫療保障局要對照本通報所列問題和名單，壓實監管責任：對列入重點名單的定點醫藥機構"
            "按計劃開展現場檢查，原則上不重複檢查；疑似問題病案原則上於3個月內作出核查結果；"
            "超出總額預算容忍範圍的機構要及時約談提醒，督促立即整改、銷賬清零。",
            "本通報各表數據見同名XLSX工作簿，各節所附鏈接可直接打開已按本期篩選的儀表板。",
        ],
    )


# ---------------------------------------------------------------- 一、基金運行情況

def fund_status(reader: Reader) -> Section:
    rows = reader.rows("""
        select p.fund_code, p.closing_balance, f.income, f.expenditure, p.avg_monthly_expenditure,
               p.payable_months, p.status
        from marts.fund_payable_months as p
        join (select fund_code, sum(income) as income, sum(expenditure) as expenditure
              from marts.fund_balance_monthly
              where month between %(first)s and %(last)s
              group by fund_code) as f using (fund_code)
        where p.month = %(last)s""")
    rows.sort(key=lambda row: labels.FUND_ORDER.index(row[0]))
    trend = reader.rows("""
        select month, fund_code, closing_balance, payable_months, status
        from marts.fund_payable_months
        where month between %(last)s - interval '11 months' and %(last)s
        order by month, fund_code""")
    thresholds = {key: reader.number(f"payable_months_{key}") for key in ("critical", "low", "excess")}
    section = Section("基金運行情況", links=[reader.link("基金運行總覽", FUND_OVERVIEW, time_filter=True)])
    month = labels.month_label(reader.period.last_month)
    for fund, balance, _, _, average, payable, status in rows:
        section.paragraphs.append(
            f"{labels.FUNDS[fund]}：截至{month}累計結餘{labels.wan(balance)}，近12個月月均支出"
            f"{labels.wan(average)}，可支付{labels.months(payable)}，預警狀態為「{labels.PAYABLE_STATUS[status]}」。")
    warned = [fund for fund, *_, status in rows if status in ("critical", "low", "excess")]
    section.paragraphs.append(
        f"可支付月數低於{thresholds['critical']}個月為「不足」、低於{thresholds['low']}個月為「偏低」，"
        f"職工醫保統籌基金高於{thresholds['excess']}個月為「過多」。"
        + (f"{'、'.join(labels.FUNDS[f] for f in warned)}處於預警區間，請密切關注基金運行風險。" if warned
           else "各基金均在合理區間。"))
    section.tables.append(Table(
        "fund_status", "基金運行", f"各基金運行情況（{reader.period.label}）",
        "marts.fund_payable_months（期末月份）、marts.fund_balance_monthly（本期各月合計）",
        [Column("基金"), Column("期末累計結餘(元)", "amount"), Column("本期收入(元)", "amount"),
         Column("本期支出(元)", "amount"), Column("近12個月月均支出(元)", "amount"),
         Column("可支付月數", "months"), Column("預警狀態")],
        [(labels.FUNDS[fund], balance, income, spent, average, payable, labels.PAYABLE_STATUS[status])
         for fund, balance, income, spent, average, payable, status in rows]))
    section.tables.append(Table(
        "payable_months_12m", "可支付月數走勢", "近12個月可支付月數（圖1數據）", "marts.fund_payable_months",
        [Column("月份", "month"), Column("基金"), Column("累計結餘(元)", "amount"),
         Column("可支付月數", "months"), Column("預警狀態")],
        [(month_, labels.FUNDS[fund], balance, payable, labels.PAYABLE_STATUS[status])
         for month_, fund, balance, payable, status in trend],
        in_document=False))
    section.chart = payable_months_chart(trend, thresholds)
    section.chart_caption = "圖1　近12個月各基金可支付月數（虛線為預警線）"
    return section


# ---------------------------------------------------------------- 二、各縣(市、區)大病保險資金使用情況

def county_ci_spending(reader: Reader) -> Section:
    rows = reader.rows("""
        with spent as (
            select county_code,
                   sum(critical_illness_paid) filter (where month between %(first)s and %(last)s) as current,
                   sum(critical_illness_paid) filter (where month between %(prev_first)s and %(prev_last)s) as previous
            from marts.enrollment_monthly
            group by county_code
        ),
        year_earlier_in_data as (
            select count(*) = 6 as complete from marts.dim_months where month between %(prev_first)s and %(prev_last)s
        ),
        compared as (
            select c.county_code, c.county_name, coalesce(s.current, 0) as current,
                   case when y.complete then coalesce(s.previous, 0) end as previous
            from marts.dim_counties as c
            cross join year_earlier_in_data as y
            left join spent as s using (county_code)
        )
        select county_name, current, previous, current - previous,
               round((current - previous) / nullif(previous, 0), 6)
        from compared
        order by county_code""")
    total = sum(row[1] for row in rows)
    previous = None if any(row[2] is None for row in rows) else sum(row[2] for row in rows)
    section = Section("各縣（市、區）大病保險資金使用情況",
                      links=[reader.link("基金運行總覽（各縣(市、區)基金支出）", FUND_OVERVIEW, time_filter=True)])
    change = ("上年同期無完整數據，暫不作同比。" if previous is None else
              f"比上年同期{'增加' if total >= previous else '減少'}{labels.wan(abs(total - previous))}"
              + (f"，同比{labels.percent((total - previous) / previous, signed=True)}。" if previous else "。"))
    section.paragraphs.append(f"{reader.period.label}，全市參保人員大病保險資金支出{labels.wan(total)}，{change}")
    rising = [row for row in rows if row[4] is not None]
    if rising:
        top = max(rising, key=lambda row: row[4])
        section.paragraphs.append(f"增速最高的是{top[0]}（{labels.percent(top[4], signed=True)}），"
                                  f"請相關縣（市、區）分析原因，加強對轄區定點醫藥機構的監管。")
    external = reader.rows("""
        select usage_rank, institution_code, institution_name, county_code, ci_fund_usage, ci_share_of_period,
               ci_settlements, high_cost_cases, reviewed_cases, confirmed_cases
        from marts.external_ci_spending_half_year
        where period = %(period)s
        order by usage_rank""")
    if external:
        section.paragraphs.append(
            f"異地就醫定點機構大病保險支出{labels.wan(sum(row[4] for row in external))}（{len(external)}家機構），"
            f"其中賠付3萬元以上的高額費用病例{sum(row[7] for row in external)}宗，已核查{sum(row[8] for row in external)}宗。"
            "異地機構不在本地檢查範圍，請承辦機構對高額費用病例逐宗核實真實性。")
    section.tables.append(Table(
        "county_ci_spending", "各縣大病保險支出", f"各縣（市、區）大病保險資金支出（按參保地，{reader.period.label}）",
        "marts.enrollment_monthly（critical_illness_paid，本期及上年同期各月合計）",
        [Column("縣(市、區)"), Column("本期支出(元)", "amount"), Column("上年同期(元)", "amount"),
         Column("增減額(元)", "amount"), Column("增減率", "rate")],
        rows,
        note="按參保人員所屬縣（市、區）統計；沒有參保記錄可歸屬的支出不計入。"))
    section.tables.append(Table(
        "external_ci_spending", "異地就醫支出", f"異地就醫定點機構大病保險支出（{reader.period.label}）",
        "marts.external_ci_spending_half_year",
        [Column("排名", "count"), Column("機構編碼"), Column("機構名稱", wrap=True), Column("行政區劃"),
         Column("大病保險支出(元)", "amount"), Column("佔本期支出", "rate"), Column("賠付人次", "count"),
         Column("高額費用病例", "count"), Column("已核查", "count"), Column("違規屬實", "count")],
        external))
    return section


# ---------------------------------------------------------------- 三、重點機構名單

_RANKING = """
    select {lead}, r.institution_code, r.institution_name, {county}r.ci_fund_usage, r.prev_ci_fund_usage,
           r.growth_rate, r.last_onsite_date, case when r.is_candidate then '是' else '否' end
    from marts.institution_ranking_half_year as r
    left join marts.dim_counties as c using (county_code)
    where r.period = %(period)s and {where}
    order by {order}"""

_INSTITUTION = [Column("機構編碼"), Column("機構名稱", wrap=True)]
_FIGURES = [Column("大病保險資金使用額(元)", "amount"), Column("上年同期(元)", "amount"), Column("增速", "rate"),
            Column("最近現場檢查", "date"), Column("擬檢查候選")]


def key_institutions(reader: Reader) -> Section:
    usage = reader.rows(_RANKING.format(lead="r.usage_rank", county="c.county_name, ",
                                        where="r.scope = 'city' and r.is_top_usage", order="r.usage_rank"))
    growth = reader.rows(_RANKING.format(lead="r.growth_rank", county="c.county_name, ",
                                         where="r.scope = 'city' and r.is_top_growth", order="r.growth_rank"))
    # A county scope is the institution's own county.
    county = reader.rows(_RANKING.format(lead="c.county_name, r.usage_rank", county="",
                                         where="r.scope <> 'city' and r.is_top_usage", order="r.scope, r.usage_rank"))
    top_city, top_growth, top_county = (reader.number(k) for k in ("top_usage_city", "top_growth_city",
                                                                   "top_usage_county"))
    candidates = {row[1] for rows in (usage, growth) for row in rows if row[-1] == "是"}
    county_candidates = sum(row[-1] == "是" for row in county)
    section = Section("重點機構名單", links=[reader.link("半年度重點機構名單", KEY_INSTITUTIONS)])
    section.paragraphs.append(
        f"按照「市本級定點醫藥機構每半年提取大病保險資金使用排名前{top_city}名和費用增速前{top_growth}名、"
        f"縣（市、區）定點醫藥機構每半年提取本轄區使用排名前{top_county}名」的要求，{reader.period.label}"
        f"市本級使用排名前列機構{len(usage)}家、增速排名前列機構{len(growth)}家（擬檢查候選{len(candidates)}家），"
        f"各縣（市、區）排名前列機構{len(county)}家（擬檢查候選{county_candidates}家）。"
        "近12個月內已開展現場檢查的機構不列為候選，原則上不重複檢查。")
    if usage:
        first = usage[0]
        section.paragraphs.append(f"市本級大病保險資金使用額最高的是{first[2]}，{labels.wan(first[4])}。")
    section.tables += [
        Table("city_top_usage", "市本級使用前列", f"市本級大病保險資金使用排名前{top_city}名",
              "marts.institution_ranking_half_year（scope = city，is_top_usage）",
              [Column("使用排名", "count"), *_INSTITUTION, Column("所在縣(市、區)"), *_FIGURES], usage),
        Table("city_top_growth", "市本級增速前列", f"市本級費用增速排名前{top_growth}名",
              "marts.institution_ranking_half_year（scope = city，is_top_growth）",
              [Column("增速排名", "count"), *_INSTITUTION, Column("所在縣(市、區)"), *_FIGURES], growth,
              note=f"上年同期使用額低於{labels.wan(reader.number('growth_min_base'))}的機構不計增速。"),
        Table("county_top_usage", "各縣使用前列", f"各縣（市、區）大病保險資金使用排名前{top_county}名",
              "marts.institution_ranking_half_year（縣區範圍，is_top_usage）",
              [Column("縣(市、區)"), Column("使用排名", "count"), *_INSTITUTION, *_FIGURES], county),
    ]
    return section


# ---------------------------------------------------------------- 四、擬現場檢查計劃

_PLAN = """
    select coalesce(c.county_name, '市本級'), p.pick_order, p.institution_code, p.institution_name, {columns}
    from marts.inspection_plan_half_year as p
    left join marts.dim_counties as c on c.county_code = p.scope
    where p.period = %(plan_period)s
    order by p.scope <> 'city', p.scope, p.pick_order"""


def inspection_plan(reader: Reader) -> Section:
    rows = reader.rows(_PLAN.replace("%(plan_period)s", "%(period)s").format(
        columns="p.ci_fund_usage, p.growth_rate, p.last_onsite_date, p.reason"))
    low, high = reader.number("inspection_plan_min"), reader.number("inspection_plan_max")
    scopes = {row[0] for row in rows}
    section = Section("擬現場檢查計劃", links=[reader.link("半年度重點機構名單（現場檢查計劃）", KEY_INSTITUTIONS)])
    section.paragraphs.append(
        f"根據上述名單，按照「選取{low}-{high}家定點醫藥機構進行現場檢查，原則上不重複檢查」的要求，"
        f"擬於下一半年度對{len(scopes)}個範圍的{len(rows)}家機構開展現場檢查（見表），選取理由逐一列明。"
        "各縣（市、區）醫療保障局要按計劃組織實施，檢查結果及時錄入稽核檢查數據。")
    section.tables.append(Table(
        "inspection_plan", "現場檢查計劃", f"{reader.period.label}擬現場檢查機構", "marts.inspection_plan_half_year",
        [Column("範圍"), Column("順序", "count"), Column("機構編碼"), Column("機構名稱", wrap=True),
         Column("大病保險資金使用額(元)", "amount"), Column("增速", "rate"), Column("最近現場檢查", "date"),
         Column("選取理由", wrap=True)], rows))
    return section


# ---------------------------------------------------------------- 五、上一半年度檢查計劃執行情況

def previous_plan(reader: Reader) -> Section:
    previous = reader.period.previous
    rows = [(*row[:4], labels.INSPECTION_STATUS.get(row[4], row[4]), row[5],
             labels.TRIGGERS.get(row[6], row[6]), labels.FINDINGS.get(row[7], "未發現問題" if row[7] == "none" else row[7]),
             labels.ACTIONS.get(row[8], "—" if row[8] in (None, "none") else row[8]), *row[9:11],
             labels.RECTIFICATION_STATUS.get(row[11], row[11]))
            for row in reader.rows(_PLAN.replace("%(plan_period)s", f"'{previous}'").format(
                columns="""p.inspection_status, p.inspection_date, p.inspection_trigger, p.finding, p.action,
                           p.involved_amount, p.recovered_amount,
                           (select r.status from marts.rectifications as r where r.inspection_id = p.inspection_id)"""))]
    rectifications = reader.rows("""
        select county_name, findings, closed, closed_late, open, overdue, overdue_involved_amount, oldest_overdue_deadline
        from marts.rectifications_by_county
        order by county_code""")
    overdue = reader.rows("""
        select r.inspection_id, r.institution_name, c.county_name, r.inspection_date, r.finding, r.deadline_date,
               r.days_overdue, r.involved_amount
        from marts.rectifications as r
        left join marts.dim_counties as c using (county_code)
        where r.status = 'overdue'
        order by r.days_overdue desc, r.inspection_id""")
    overdue = [(*row[:4], labels.FINDINGS.get(row[4], row[4]), *row[5:]) for row in overdue]
    inspected = sum(row[4] == "已檢查" for row in rows)
    found = sum(row[4] == "已檢查" and row[7] != "未發現問題" for row in rows)
    section = Section("上一半年度檢查計劃執行及整改情況",
                      links=[reader.link("稽核與查處", INSPECTIONS)])
    section.paragraphs.append(
        f"{previous.label}名單擬現場檢查機構{len(rows)}家，{reader.period.label}已檢查{inspected}家，"
        f"其中發現問題{found}家，追回金額{labels.wan(sum(row[10] or 0 for row in rows))}；"
        f"截至{labels.month_label(reader.data_until)}，各地發現問題尚未整改到位的{sum(row[4] for row in rectifications)}件，"
        f"其中逾期未整改{len(overdue)}件，請相關縣（市、區）督促立即整改、銷賬清零。")
    section.tables += [
        Table("previous_plan_results", "上期計劃執行", f"{previous.label}擬檢查機構的檢查結果",
              "marts.inspection_plan_half_year（上一半年度）、marts.rectifications",
              [Column("範圍"), Column("順序", "count"), Column("機構編碼"), Column("機構名稱", wrap=True), Column("檢查情況"),
               Column("檢查日期", "date"), Column("檢查緣由"), Column("問題類型"), Column("處理措施"),
               Column("涉及金額(元)", "amount"), Column("追回金額(元)", "amount"), Column("整改情況")], rows),
        Table("rectifications_by_county", "整改銷賬", f"各縣（市、區）問題整改情況（截至{labels.month_label(reader.data_until)}）",
              "marts.rectifications_by_county",
              [Column("縣(市、區)"), Column("發現問題", "count"), Column("按期整改", "count"), Column("逾期整改", "count"),
               Column("整改中", "count"), Column("逾期未整改", "count"), Column("逾期未整改涉及金額(元)", "amount"),
               Column("最早逾期期限", "date")], rectifications),
        Table("overdue_rectifications", "逾期未整改", "逾期未整改問題（立即整改）", "marts.rectifications（status = overdue）",
              [Column("檢查編號"), Column("機構名稱", wrap=True), Column("縣(市、區)"), Column("檢查日期", "date"), Column("問題類型"),
               Column("整改期限", "date"), Column("逾期天數", "count"), Column("涉及金額(元)", "amount")], overdue),
    ]
    return section


# ---------------------------------------------------------------- 六、監督檢查及查處情況

_INSPECTION_METRICS = ["inspections", "onsite_inspections", "violating_institutions", "recovered_amount",
                       "penalty_amount", "fine_amount", "demerit_points"]


def inspections(reader: Reader) -> Section:
    pivot = ", ".join(f"sum(r.value) filter (where r.metric = '{m}')" for m in _INSPECTION_METRICS)
    by_county = reader.rows(f"""
        select c.county_name, {pivot},
               sum(r.prev_year_value) filter (where r.metric = 'recovered_amount')
        from marts.inspection_results as r
        join marts.dim_counties as c using (county_code)
        where r.period_kind = 'half_year' and r.period = %(period)s
        group by c.county_code, c.county_name
        order by c.county_code""")
    by_metric = dict(reader.rows("""
        select metric, sum(value) from marts.inspection_results
        where period_kind = 'half_year' and period = %(period)s
        group by metric"""))
    findings = [(name, by_metric.get(f"finding_{code}", 0)) for code, name in labels.FINDINGS.items()]
    actions = [(name, by_metric.get(f"action_{code}", 0)) for code, name in labels.ACTIONS.items()]
    section = Section("監督檢查及查處情況",
                      links=[reader.link("稽核與查處", INSPECTIONS)])
    if not by_metric:
        section.paragraphs.append(f"{reader.period.label}未報送稽核檢查數據。")
    else:
        found = "、".join(f"{name}{count:.0f}件" for name, count in sorted(findings, key=lambda f: -f[1]) if count)
        taken = "、".join(f"{name}{count:.0f}件" for name, count in actions if count)
        section.paragraphs.append(
            f"{reader.period.label}全市共開展稽核檢查{by_metric['inspections']:.0f}次，其中現場檢查"
            f"{by_metric['onsite_inspections']:.0f}次，查實違規機構{by_metric['violating_institutions']:.0f}家，"
            f"追回違約醫療費用{labels.wan(by_metric['recovered_amount'])}，收取違約金"
            f"{labels.wan(by_metric['penalty_amount'])}，行政罰款{labels.wan(by_metric['fine_amount'])}。"
            + (f"發現的主要問題：{found}。" if found else "")
            + (f"處理措施：{taken}。" if taken else ""))
    section.tables += [
        Table("inspection_by_county", "各縣檢查查處", f"各縣（市、區）稽核檢查及查處情況（{reader.period.label}）",
              "marts.inspection_results（period_kind = half_year，各機構類型合計）",
              [Column("縣(市、區)"), Column("檢查次數", "count"), Column("現場檢查次數", "count"),
               Column("違規機構數", "count"), Column("追回金額(元)", "amount"), Column("違約金(元)", "amount"),
               Column("行政罰款(元)", "amount"), Column("記分", "count"), Column("上年同期追回(元)", "amount")],
              by_county),
        Table("inspection_findings", "問題類型", "查處問題類型", "marts.inspection_results（finding_*）",
              [Column("問題類型"), Column("檢查次數", "count")], findings),
        Table("inspection_actions", "處理措施", "處理措施", "marts.inspection_results（action_*）",
              [Column("處理措施"), Column("檢查次數", "count")], actions),
    ]
    return section


# ---------------------------------------------------------------- 七、疑似問題病案核查情況

def suspicious_cases(reader: Reader) -> Section:
    rows = reader.rows("""
        with cases as (
            select distinct rule_id, settlement_id, institution_code, review_outcome, is_past_due
            from marts.suspicious_settlements
            where detected_month between %(first)s and %(last)s
        )
        select r.rule_name, count(c.settlement_id), count(distinct c.institution_code),
               count(c.settlement_id) filter (where c.review_outcome is null),
               count(c.settlement_id) filter (where c.review_outcome = 'pending'),
               count(c.settlement_id) filter (where c.review_outcome = 'confirmed'),
               count(c.settlement_id) filter (where c.review_outcome = 'cleared'),
               count(c.settlement_id) filter (where c.is_past_due)
        from marts.suspicious_rules as r
        left join cases as c using (rule_id)
        group by r.rule_id, r.rule_name
        order by r.rule_id""")
    flagged = reader.rows("""
        select count(distinct settlement_id),
               count(distinct settlement_id) filter (where review_outcome in ('confirmed', 'cleared')),
               count(distinct settlement_id) filter (where is_past_due)
        from marts.suspicious_settlements where detected_month between %(first)s and %(last)s""")[0]
    violations = reader.rows("""
        select v.institution_code, v.institution_name, coalesce(c.county_name, v.county_code), v.concluded_cases,
               v.confirmed_cases, v.cleared_cases, v.violating_amount, v.ci_refused_amount, v.concluded_late_cases
        from marts.confirmed_violations_half_year as v
        left join marts.dim_counties as c using (county_code)
        where v.period = %(period)s
        order by v.violating_amount desc, v.institution_code""")
    section = Section("疑似問題病案核查情況", links=[reader.link("稽核與查處（疑似問題病案）", INSPECTIONS)])
    section.paragraphs.append(
        f"{reader.period.label}經篩查規則標記疑似問題病案{flagged[0]}宗（一宗病案可被多條規則標記），已核查辦結"
        f"{flagged[1]}宗；截至{labels.month_label(reader.data_until)}已超過3個月核查期限尚未辦結{flagged[2]}宗。"
        f"本期辦結病案中違規屬實{sum(row[4] for row in violations)}宗，違規金額{labels.wan(sum(row[6] for row in violations))}，"
        f"承辦機構拒付大病保險資金{labels.wan(sum(row[7] for row in violations))}。"
        "請各縣（市、區）醫療保障局按照「原則上於3個月內作出核查結果」的要求加快核查，"
        "查實的違規費用及時反饋承辦機構拒付。")
    section.tables += [
        Table("suspicious_by_rule", "疑似問題病案", f"疑似問題病案核查情況（按篩查規則，{reader.period.label}發現）",
              "marts.suspicious_settlements、marts.suspicious_rules",
              [Column("篩查規則"), Column("標記病案數", "count"), Column("涉及機構數", "count"), Column("未受理", "count"),
               Column("核查中", "count"), Column("違規屬實", "count"), Column("排除", "count"),
               Column("逾期未辦結", "count")], rows,
              note="逾期未辦結：核查期限（收到材料後3個月，未收到的自發現月份起3個月）早於最新數據月份且尚未辦結。"),
        Table("confirmed_violations", "違規屬實及拒付", f"{reader.period.label}辦結病案的違規金額及拒付情況",
              "marts.confirmed_violations_half_year",
              [Column("機構編碼"), Column("機構名稱", wrap=True), Column("縣(市、區)"), Column("辦結", "count"),
               Column("違規屬實", "count"), Column("排除", "count"), Column("違規金額(元)", "amount"),
               Column("拒付金額(元)", "amount"), Column("逾期辦結", "count")], violations),
    ]
    return section


# ---------------------------------------------------------------- 八、總額預算執行及超支情況

def overspend(reader: Reader) -> Section:
    bands = reader.rows("""
        select c.county_name,
               count(*) filter (where o.band = 'under'),
               count(*) filter (where o.band = 'tolerated'),
               count(*) filter (where o.band = 'over')
        from marts.institution_overspend as o
        join marts.dim_institutions as i using (institution_code)
        join marts.dim_counties as c on c.county_code = i.county_code
        where o.month = %(last)s
        group by c.county_code, c.county_name
        order by c.county_code""")
    over = reader.rows("""
        select o.institution_code, i.institution_name, i.county_name, o.annual_budget, o.ytd_budget,
               o.ytd_expenditure, o.overspend_amount, o.overspend_rate, o.projected_overspend_rate
        from marts.institution_overspend as o
        join marts.dim_institutions as i using (institution_code)
        where o.month = %(last)s and o.band = 'over'
        order by o.overspend_rate desc nulls first, o.institution_code""")
    tolerance = reader.number("overspend_tolerance")
    month = labels.month_label(reader.period.last_month)
    section = Section("總額預算執行及超支情況", links=[reader.link("總額控制與超支", BUDGET_OVERSPEND, time_filter=True)])
    budgeted = sum(sum(row[1:]) for row in bands)
    section.paragraphs.append(
        f"截至{month}，納入總額預算管理的定點醫藥機構{budgeted}家，其中年初至今統籌基金支出未超預算"
        f"{sum(row[1] for row in bands)}家，超支在{labels.percent(tolerance)}容忍範圍內"
        f"{sum(row[2] for row in bands)}家，超出容忍範圍{len(over)}家（預計全年超支率與年初至今超支率一致）。"
        + ("超出容忍範圍的機構見下表，請所在縣（市、區）及時約談提醒、督促整改。" if over else ""))
    section.tables += [
        Table("overspend_by_county", "各縣超支分檔", f"各縣（市、區）總額預算執行分檔機構數（{month}）",
              "marts.institution_overspend（band）、marts.dim_institutions",
              [Column("縣(市、區)"), Column("未超支", "count"), Column("容忍範圍內超支", "count"),
               Column("超出容忍範圍", "count")], bands),
        Table("overspend_institutions", "超支機構", f"超出容忍範圍的機構（{month}，年初至今）",
              "marts.institution_overspend（band = over）",
              [Column("機構編碼"), Column("機構名稱", wrap=True), Column("所在縣(市、區)"), Column("年度預算(元)", "amount"),
               Column("年初至今預算(元)", "amount"), Column("年初至今支出(元)", "amount"),
               Column("超支額(元)", "amount"), Column("超支率", "rate"), Column("預計全年超支率", "rate")], over),
    ]
    return section


# ---------------------------------------------------------------- 九、數據質量情況

# Each file's latest load whose month is in the half-year: the data the bulletin stands on.
_LATEST_LOADS = """
    latest as (
        select distinct on (source, file) *
        from audit.file_loads
        where month between %(first)s and %(last)s
        order by source, file, load_id desc
    ),
    in_force as (
        select distinct on (source, file) *
        from audit.file_loads
        where month between %(first)s and %(last)s and status = 'loaded'
        order by source, file, load_id desc
    )"""


def data_quality(reader: Reader) -> Section:
    files = reader.rows(f"""
        with {_LATEST_LOADS}
        select f.source, count(*), coalesce(sum(f.rows_read), 0), coalesce(sum(f.rows_loaded), 0),
               coalesce(sum(f.rows_quarantined), 0),
               (select count(*) from latest as l where l.source = f.source and l.status = 'rejected')
        from in_force as f
        group by f.source
        order by f.source""")
    quarantine = " union all ".join(
        f"select '{s.name}' as source, reason from quarantine.{s.name} where _month between %(first)s and %(last)s"
        for s in MONTHLY_SOURCES)
    reasons = reader.rows(f"""
        select source, reason, count(*) from ({quarantine}) as q
        group by source, reason
        order by source, count(*) desc, reason""")
    failed = reader.rows(f"""
        with {_LATEST_LOADS},
        outcomes as (
            select distinct on (q.load_id, q.suite, q.expectation) q.*
            from audit.quality_checks as q
            join in_force using (load_id)
            order by q.load_id, q.suite, q.expectation, q.check_id desc
        )
        select file, suite, expectation, severity, unexpected_count
        from outcomes
        where not passed
        order by severity, file, suite, expectation""")
    section = Section("數據質量情況")
    loaded, quarantined = sum(row[3] for row in files), sum(row[4] for row in files)
    rejected = sum(row[5] for row in files)
    errors = sum(row[3] == "ERROR" for row in failed)
    section.paragraphs.append(
        f"本期各月數據文件{sum(row[1] for row in files)}個，入庫{loaded:,}行，因不符合數據規則隔離{quarantined:,}行"
        + (f"，最近一次報送被拒收的文件{rejected}個（沿用此前報送的數據）" if rejected else "")
        + f"；數據質量檢查未通過{len(failed)}項（其中阻斷性{errors}項）。"
        + ("被隔離的數據行及未通過的檢查見下表，請報送單位核實更正後重新報送。" if quarantined or failed else ""))
    section.tables += [
        Table("files_loaded", "數據文件", f"{reader.period.label}數據文件載入情況",
              "audit.file_loads（各文件最近一次成功載入）",
              [Column("數據來源"), Column("文件數", "count"), Column("讀入行數", "count"), Column("入庫行數", "count"),
               Column("隔離行數", "count"), Column("最近報送被拒收", "count")],
              [(labels.SOURCES.get(source, source), *rest) for source, *rest in files]),
        Table("quarantined_rows", "隔離原因", "隔離數據行（按原因）", "quarantine.<來源>",
              [Column("數據來源"), Column("原因", wrap=True), Column("行數", "count")],
              [(labels.SOURCES.get(source, source), reason, count) for source, reason, count in reasons]),
        Table("failed_checks", "未通過檢查", "未通過的數據質量檢查", "audit.quality_checks",
              [Column("文件"), Column("檢查套件"), Column("檢查項", wrap=True), Column("級別"), Column("不符行數", "count")],
              failed),
    ]
    return section
