{{ config_following_months('stg_bureau__settlements') }}

-- The settlements summed per month, institution, scheme and out-of-area flag: the one pass over
-- the settlements that the fund, ranking, overspend and indicator marts share, so that none of
-- them reads every settlement. Payments net reversals; the costs and counts are those of the
-- settlements that are not reversals (institution_indicators_half_year takes out the ones a
-- reversal cancels). Month-incremental (dbt_project/README.md, "Incremental models").

with

settlements as (

    select
        settlement_month,
        institution_code,
        scheme,
        is_out_of_area,
        is_reversal,
        total_cost,
        drug_cost,
        account_paid,
        cash_paid,
        pooled_fund_paid,
        critical_illness_paid,
        _load_id

    from {{ ref('stg_bureau__settlements') }}
    {{ where_month_changed('settlement_month', ref('stg_bureau__settlements')) }}

),

summed as (

    select
        settlement_month,
        institution_code,
        scheme,
        is_out_of_area,
        count(*) filter (where not is_reversal) as settlement_count,
        count(*) filter (where is_reversal) as reversal_count,
        coalesce(sum(total_cost) filter (where not is_reversal), 0) as total_cost,
        coalesce(sum(drug_cost) filter (where not is_reversal), 0) as drug_cost,
        coalesce(sum(account_paid + cash_paid) filter (where not is_reversal), 0) as self_paid,
        sum(pooled_fund_paid) as pooled_fund_paid,
        sum(critical_illness_paid) as critical_illness_paid,
        max(_load_id) as _load_id

    from settlements
    group by settlement_month, institution_code, scheme, is_out_of_area

)

select * from summed
