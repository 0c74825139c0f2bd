{{ config_following_months('stg_bureau__settlements') }}

-- Settlement payments summed per month, institution and scheme: the one pass over the
-- settlements that the fund, ranking and overspend marts share. Amounts net reversals.
-- Incremental by month like fct_settlements: a run re-sums only new or re-delivered months.

with

settlements as (

    select
        settlement_month,
        institution_code,
        scheme,
        is_reversal,
        pooled_fund_paid,
        critical_illness_paid,
        _load_id

    from {{ ref('stg_bureau__settlements') }}

),

selected as (

    select * from settlements
    {{ where_month_changed('settlement_month', ref('stg_bureau__settlements')) }}

),

summed as (

    select
        settlement_month,
        institution_code,
        scheme,
        count(*) filter (where not is_reversal) as settlement_count,
        count(*) filter (where is_reversal) as reversal_count,
        sum(pooled_fund_paid) as pooled_fund_paid,
        sum(critical_illness_paid) as critical_illness_paid,
        max(_load_id) as _load_id

    from selected
    group by settlement_month, institution_code, scheme

)

select * from summed
