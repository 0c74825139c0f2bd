{{ config_following_months('stg_bureau__settlements', indexes=[{'columns': ['reversal_of']}]) }}

-- Reversal rows of the settlements (沖正): which settlement each reverses. A few per cent of the
-- settlements; what decides that a settlement is effective (int_settlements_screened_effective,
-- institution_indicators_half_year) without scanning the fact. Month-incremental
-- (dbt_project/README.md), from the landed rows as the fact is: built beside the fact, not after
-- it, which keeps the fact off the screening rules'
-- chain of models (this table and int_settlements_screened, int_stays_effective,
-- suspicious_settlements).

with

settlements as (

    select settlement_id, reversal_of, is_reversal, settlement_month, _load_id
    from {{ ref('stg_bureau__settlements') }}
    {{ where_month_changed('settlement_month', ref('stg_bureau__settlements')) }}

),

reversals as (

    select settlement_id, reversal_of, settlement_month, _load_id
    from settlements
    where is_reversal

)

select * from reversals
