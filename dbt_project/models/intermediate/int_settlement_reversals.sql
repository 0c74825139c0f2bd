{{ config_following_months('fct_settlements', indexes=[{'columns': ['reversal_of']}]) }}

-- Reversal rows of the settlement fact (沖正): which settlement each reverses. A few per cent of
-- the settlements; what decides that a settlement is effective (int_settlements_screened_effective,
-- institution_indicators_half_year) without scanning the fact. Incremental by month like
-- fct_settlements (macros delete_stale_months, where_month_changed).

with

settlements as (

    select settlement_id, reversal_of, is_reversal, settlement_month, _load_id
    from {{ ref('fct_settlements') }}
    {{ where_month_changed('settlement_month', ref('fct_settlements')) }}

),

reversals as (

    select settlement_id, reversal_of, settlement_month, _load_id
    from settlements
    where is_reversal

)

select * from reversals
