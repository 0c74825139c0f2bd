{{ config_following_months('stg_bureau__settlements') }}

-- Fund payments per person (keyed pseudonym) and settlement month, net of reversals: what
-- enrollment_monthly attributes to the persons' enrollment spells. Narrower than the fact, with
-- fewer rows (about 0.6 per settlement; person-months with no fund payment are left out), and
-- month-incremental (dbt_project/README.md), so the mart's join to the spells reads no settlement
-- row. Summed from the landed settlements, as int_settlements_summed_by_institution_month is, rather
-- than from the fact: it is built beside the fact instead of after it, which takes the fact off
-- the build's longest chain (this table, int_fund_paid_attributed, enrollment_monthly). The
-- pseudonym is computed once per person and month.

with

settlements as (

    select person_id, settlement_month, pooled_fund_paid, critical_illness_paid, _load_id
    from {{ ref('stg_bureau__settlements') }}
    {{ where_month_changed('settlement_month', ref('stg_bureau__settlements')) }}

),

summed as (

    select
        person_id,
        settlement_month,
        sum(pooled_fund_paid) as pooled_fund_paid,
        sum(critical_illness_paid) as critical_illness_paid,
        max(_load_id) as _load_id

    from settlements
    group by person_id, settlement_month
    having sum(pooled_fund_paid) <> 0 or sum(critical_illness_paid) <> 0

),

final as (

    select
        {{ pseudonymize('person_id') }} as person_key,
        settlement_month,
        pooled_fund_paid,
        critical_illness_paid,
        _load_id

    from summed

)

select * from final
