{{ config_following_months('fct_settlements') }}

-- Fund payments per person (keyed pseudonym) and settlement month, net of reversals: what
-- enrollment_monthly attributes to the persons' enrollment spells. Narrower than the fact, with
-- fewer rows (about 0.6 per settlement; person-months with no fund payment are left out), and
-- incremental by month like it, so the mart's join to the spells reads no settlement row.

with

settlements as (

    select person_key, settlement_month, pooled_fund_paid, critical_illness_paid, _load_id
    from {{ ref('fct_settlements') }}
    {{ where_month_changed('settlement_month', ref('fct_settlements')) }}

),

summed as (

    select
        person_key,
        settlement_month,
        sum(pooled_fund_paid) as pooled_fund_paid,
        sum(critical_illness_paid) as critical_illness_paid,
        max(_load_id) as _load_id

    from settlements
    group by person_key, settlement_month
    having sum(pooled_fund_paid) <> 0 or sum(critical_illness_paid) <> 0

)

select * from summed
