-- Fund balance (基金收支與累計結餘): one row per fund and month, from the fund's as_of_month to
-- the latest month of any monthly source, with no gap (months without movement have 0 flows).
--   expenditure     = settlement-paid money of the fund + Σ fund_flows expense
--   opening_balance = the reference opening balance in as_of_month, else the previous closing
--   closing_balance = opening_balance + net_flow (累計結餘)
-- The chain is a running sum: closing = reference opening + Σ net_flow up to the month.

with

opening_balances as (

    select fund_code, as_of_month, opening_balance
    from {{ ref('stg_bureau__fund_opening_balances') }}

),

months as (

    select month from {{ ref('dim_months') }}

),

movements as (

    select * from {{ ref('int_fund_movements_monthly') }}

),

fund_months as (

    select
        opening_balances.fund_code,
        months.month,
        opening_balances.opening_balance as reference_opening_balance

    from opening_balances
    inner join months on months.month >= opening_balances.as_of_month

),

flows as (

    select
        fund_months.fund_code,
        fund_months.month,
        fund_months.reference_opening_balance,
        coalesce(movements.income, 0) as income,
        coalesce(movements.settlement_expenditure, 0) as settlement_expenditure,
        coalesce(movements.other_expenditure, 0) as other_expenditure,
        coalesce(movements.settlement_expenditure, 0)
            + coalesce(movements.other_expenditure, 0) as expenditure

    from fund_months
    left join movements
        on movements.fund_code = fund_months.fund_code
        and movements.month = fund_months.month

),

balances as (

    select
        *,
        income - expenditure as net_flow,
        reference_opening_balance
            + sum(income - expenditure) over (
                partition by fund_code
                order by month
                rows between unbounded preceding and current row
            ) as closing_balance

    from flows

),

final as (

    select
        month,
        fund_code,
        income::numeric(18, 2) as income,
        expenditure::numeric(18, 2) as expenditure,
        settlement_expenditure::numeric(18, 2) as settlement_expenditure,
        other_expenditure::numeric(18, 2) as other_expenditure,
        net_flow::numeric(18, 2) as net_flow,
        (closing_balance - net_flow)::numeric(18, 2) as opening_balance,
        closing_balance::numeric(18, 2) as closing_balance

    from balances

)

select * from final
