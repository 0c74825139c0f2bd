-- Money in and out of each fund per month, before the balance chain:
--   income                  Σ fund_flows income
--   settlement_expenditure  employee_pooled: pooled_fund_paid of `employee` settlements;
--                           resident_basic: pooled_fund_paid of `resident` settlements;
--                           critical_illness: critical_illness_paid of all settlements
--   other_expenditure       Σ fund_flows expense
-- Only fund-months with some movement have a row; fund_balance_monthly fills the gaps with 0.

with

fund_flows as (

    select month, fund_code, direction, amount from {{ ref('stg_bureau__fund_flows') }}

),

settlement_sums as (

    select * from {{ ref('int_settlements_summed_by_institution_month') }}

),

flows_by_fund_month as (

    select
        fund_code,
        month,
        coalesce(sum(amount) filter (where direction = 'income'), 0) as income,
        coalesce(sum(amount) filter (where direction = 'expense'), 0) as other_expenditure

    from fund_flows
    group by fund_code, month

),

settlements_by_month as (

    select
        settlement_month as month,
        coalesce(sum(pooled_fund_paid) filter (where scheme = 'employee'), 0) as employee_pooled,
        coalesce(sum(pooled_fund_paid) filter (where scheme = 'resident'), 0) as resident_basic,
        coalesce(sum(critical_illness_paid), 0) as critical_illness

    from settlement_sums
    group by settlement_month

),

settlements_by_fund_month as (

    select month, 'employee_pooled'::text as fund_code, employee_pooled as settlement_expenditure
    from settlements_by_month
    union all
    select month, 'resident_basic', resident_basic from settlements_by_month
    union all
    select month, 'critical_illness', critical_illness from settlements_by_month

),

movements as (

    select
        coalesce(flows.fund_code, paid.fund_code) as fund_code,
        coalesce(flows.month, paid.month) as month,
        coalesce(flows.income, 0) as income,
        coalesce(paid.settlement_expenditure, 0) as settlement_expenditure,
        coalesce(flows.other_expenditure, 0) as other_expenditure

    from flows_by_fund_month as flows
    full outer join settlements_by_fund_month as paid
        on paid.fund_code = flows.fund_code
        and paid.month = flows.month

)

select * from movements
