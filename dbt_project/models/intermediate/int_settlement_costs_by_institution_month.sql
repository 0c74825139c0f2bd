{{ config_following_months('fct_settlements') }}

-- Costs of the settlements that are not reversals, summed per settlement month and institution,
-- for the institution indicators' shares of all visits (drug share, self-pay share) without a
-- pass over the fact. Out-of-area care (is_out_of_area) is summed apart. Settlements that a
-- reversal cancels are still in these sums: institution_indicators_half_year subtracts them
-- (int_settlement_reversals). Incremental by month like fct_settlements.

with

settlements as (

    select *
    from {{ ref('fct_settlements') }}
    {{ where_month_changed('settlement_month', ref('fct_settlements')) }}

),

summed as (

    select
        settlement_month,
        institution_code,
        is_out_of_area,
        count(*) as settlement_count,
        sum(total_cost) as total_cost,
        sum(drug_cost) as drug_cost,
        sum(coalesce(account_paid, 0) + coalesce(cash_paid, 0)) as self_paid,
        max(_load_id) as _load_id

    from settlements
    where not is_reversal
    group by settlement_month, institution_code, is_out_of_area

)

select * from summed
