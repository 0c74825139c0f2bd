-- The month-incremental models hold exactly the landed settlements: per month, fct_settlements
-- has the same rows, load id and amount sums as raw, and int_settlements_summed_by_institution_month
-- the same counts and sums. Catches a month the incremental logic failed to rebuild or drop.

with

landed as (

    select
        settlement_month,
        count(*) as settlement_rows,
        max(_load_id) as max_load_id,
        sum(total_cost) as total_cost,
        sum(pooled_fund_paid) as pooled_fund_paid,
        sum(critical_illness_paid) as critical_illness_paid

    from {{ ref('stg_raw__settlement') }}
    group by settlement_month

),

in_fact as (

    select
        settlement_month,
        count(*) as settlement_rows,
        max(_load_id) as max_load_id,
        sum(total_cost) as total_cost,
        sum(pooled_fund_paid) as pooled_fund_paid,
        sum(critical_illness_paid) as critical_illness_paid

    from {{ ref('fct_settlements') }}
    group by settlement_month

),

in_sums as (

    select
        settlement_month,
        sum(settlement_count + reversal_count) as settlement_rows,
        max(_load_id) as max_load_id,
        sum(pooled_fund_paid) as pooled_fund_paid,
        sum(critical_illness_paid) as critical_illness_paid

    from {{ ref('int_settlements_summed_by_institution_month') }}
    group by settlement_month

),

compared as (

    select
        coalesce(landed.settlement_month, in_fact.settlement_month, in_sums.settlement_month)
            as settlement_month,
        landed.settlement_rows as landed_rows,
        in_fact.settlement_rows as fact_rows,
        in_sums.settlement_rows as summed_rows,
        (landed.settlement_rows, landed.max_load_id, landed.total_cost,
            landed.pooled_fund_paid, landed.critical_illness_paid)
        is not distinct from
        (in_fact.settlement_rows, in_fact.max_load_id, in_fact.total_cost,
            in_fact.pooled_fund_paid, in_fact.critical_illness_paid) as fact_matches,
        (landed.settlement_rows, landed.max_load_id,
            landed.pooled_fund_paid, landed.critical_illness_paid)
        is not distinct from
        (in_sums.settlement_rows, in_sums.max_load_id,
            in_sums.pooled_fund_paid, in_sums.critical_illness_paid) as sums_match

    from landed
    full outer join in_fact on in_fact.settlement_month = landed.settlement_month
    full outer join in_sums
        on in_sums.settlement_month = coalesce(landed.settlement_month, in_fact.settlement_month)

)

select * from compared
where not fact_matches or not sums_match
