-- Budget execution (總額預算執行, 超支): one row per institution with a budget, year and month,
-- for every month from January to the latest month of that year having any settlement data
-- (the same months for every institution budgeted that year).
--   ytd_budget              annual_budget × m ÷ 12 (m = month number)
--   ytd_expenditure         Σ pooled_fund_paid, both schemes, January to month
--   overspend_rate          overspend_amount ÷ ytd_budget, NULL when the budget is 0
--   projected_*             ytd_expenditure × 12 ÷ m, and its rate against annual_budget
--   band                    under (rate ≤ 0), tolerated (≤ overspend_tolerance, 0.10), over
-- The band is judged on unrounded values; with a zero budget any spending is `over`.

with

budgets as (

    select year, institution_code, annual_budget
    from {{ ref('stg_bureau__budgets') }}

),

settlement_sums as (

    select settlement_month, institution_code, pooled_fund_paid
    from {{ ref('int_settlements_summed_by_institution_month') }}

),

parameters as (

    {{ select_policy_parameters(['overspend_tolerance']) }}

),

latest_month_by_year as (

    select
        extract(year from settlement_month)::integer as year,
        max(settlement_month) as latest_month

    from settlement_sums
    group by 1

),

paid_by_month as (

    select
        settlement_month as month,
        institution_code,
        sum(pooled_fund_paid) as pooled_fund_paid

    from settlement_sums
    group by 1, 2

),

budget_months as (

    select
        budgets.year,
        months.month::date as month,
        extract(month from months.month)::integer as month_number,
        budgets.institution_code,
        budgets.annual_budget

    from budgets
    inner join latest_month_by_year on latest_month_by_year.year = budgets.year
    cross join lateral generate_series(
        make_date(budgets.year, 1, 1), latest_month_by_year.latest_month, interval '1 month'
    ) as months (month)

),

year_to_date as (

    select
        budget_months.*,
        sum(coalesce(paid_by_month.pooled_fund_paid, 0)) over (
            partition by budget_months.year, budget_months.institution_code
            order by budget_months.month
            rows between unbounded preceding and current row
        ) as ytd_expenditure,
        budget_months.annual_budget * budget_months.month_number / 12 as ytd_budget

    from budget_months
    left join paid_by_month
        on paid_by_month.month = budget_months.month
        and paid_by_month.institution_code = budget_months.institution_code

),

measured as (

    select
        year_to_date.*,
        ytd_expenditure - ytd_budget as overspend_amount,
        (ytd_expenditure - ytd_budget) / nullif(ytd_budget, 0) as overspend_rate,
        ytd_expenditure * 12 / month_number as projected_expenditure

    from year_to_date

),

banded as (

    select
        measured.*,
        (measured.projected_expenditure - measured.annual_budget)
            / nullif(measured.annual_budget, 0) as projected_overspend_rate,
        case
            when measured.overspend_amount <= 0 then 'under'
            when measured.overspend_rate <= parameters.overspend_tolerance then 'tolerated'
            else 'over'
        end as band

    from measured
    cross join parameters

),

final as (

    select
        year,
        month,
        institution_code,
        annual_budget::numeric(18, 2) as annual_budget,
        ytd_budget::numeric(18, 2) as ytd_budget,
        ytd_expenditure::numeric(18, 2) as ytd_expenditure,
        overspend_amount::numeric(18, 2) as overspend_amount,
        overspend_rate::numeric(18, 6) as overspend_rate,
        projected_expenditure::numeric(18, 2) as projected_expenditure,
        projected_overspend_rate::numeric(18, 6) as projected_overspend_rate,
        band

    from banded

)

select * from final
