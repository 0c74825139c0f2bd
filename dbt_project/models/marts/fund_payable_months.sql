-- Payable months (可支付月數): one row per fund and month of fund_balance_monthly.
--   avg_monthly_expenditure = mean expenditure over the 12 months ending at `month`, or over all
--                             months since as_of_month when there are fewer (the balance's month
--                             spine has no gap, so a 12-row window is exactly 12 months)
--   payable_months          = closing_balance ÷ avg_monthly_expenditure, NULL when the mean is 0
--   status                  = critical < payable_months_critical (3) ≤ low < payable_months_low (6)
--                             ≤ normal; `excess` above payable_months_excess (15) for
--                             employee_pooled only. Judged on the unrounded ratio; a NULL ratio
--                             (no expenditure) is `normal`.

with

balances as (

    select month, fund_code, closing_balance, expenditure
    from {{ ref('fund_balance_monthly') }}

),

parameters as (

    {{ select_policy_parameters(['payable_months_critical', 'payable_months_low', 'payable_months_excess']) }}

),

averaged as (

    select
        month,
        fund_code,
        closing_balance,
        avg(expenditure) over trailing_year as avg_monthly_expenditure,
        count(*) over trailing_year as months_averaged

    from balances
    window trailing_year as (
        partition by fund_code
        order by month
        rows between 11 preceding and current row
    )

),

measured as (

    select
        averaged.*,
        averaged.closing_balance / nullif(averaged.avg_monthly_expenditure, 0) as payable_months

    from averaged

),

classified as (

    select
        measured.*,
        case
            when measured.payable_months < parameters.payable_months_critical then 'critical'
            when measured.payable_months < parameters.payable_months_low then 'low'
            when measured.fund_code = 'employee_pooled'
                and measured.payable_months > parameters.payable_months_excess then 'excess'
            else 'normal'
        end as status

    from measured
    cross join parameters

),

final as (

    select
        month,
        fund_code,
        closing_balance::numeric(18, 2) as closing_balance,
        avg_monthly_expenditure::numeric(18, 2) as avg_monthly_expenditure,
        months_averaged::integer as months_averaged,
        payable_months::numeric(18, 6) as payable_months,
        status

    from classified

)

select * from final
