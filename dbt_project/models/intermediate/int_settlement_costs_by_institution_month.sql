{{ config_following_months('fct_settlements') }}

-- The fact summed per settlement month and institution, out-of-area care (is_out_of_area) apart:
-- the costs of the settlements that are not reversals, for the institution indicators' shares of
-- all visits (drug share, self-pay share), and the pooled fund's payments net of reversals, which
-- the year-to-date test of institution_overspend sums (the mart sums the landed rows instead), so
-- that neither reads the whole fact. Settlements that a reversal cancels are still in the costs:
-- institution_indicators_half_year subtracts them (int_settlement_reversals). Incremental by month
-- like fct_settlements.

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
        count(*) filter (where not is_reversal) as settlement_count,
        coalesce(sum(total_cost) filter (where not is_reversal), 0) as total_cost,
        coalesce(sum(drug_cost) filter (where not is_reversal), 0) as drug_cost,
        coalesce(sum(coalesce(account_paid, 0) + coalesce(cash_paid, 0)) filter (where not is_reversal), 0)
            as self_paid,
        sum(pooled_fund_paid) as pooled_fund_paid,
        max(_load_id) as _load_id

    from settlements
    group by settlement_month, institution_code, is_out_of_area

)

select * from summed
