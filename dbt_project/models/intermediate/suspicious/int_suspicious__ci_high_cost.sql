-- Rule `ci_high_cost` (高額費用病例, DOMAIN 3): an effective settlement whose critical-illness
-- insurance payment is at least ci_high_cost_threshold (default 30000 yuan); any visit type.
-- figure = critical_illness_paid.

with

parameters as (

    {{ select_policy_parameters(['ci_high_cost_threshold']) }}

),

settlements as (

    -- the threshold as a scalar subquery filters the scan, before the effective settlements'
    -- anti-join with the reversals (a few hundred rows of a million reach it)
    select settlement_id, institution_code, person_key, settlement_month, critical_illness_paid
    from {{ ref('int_settlements_screened_effective') }}
    where critical_illness_paid >= (select ci_high_cost_threshold from parameters)

),

flagged as (

    select
        settlements.settlement_id,
        'ci_high_cost'::text as rule_id,
        settlements.institution_code,
        settlements.person_key,
        settlements.settlement_month,
        settlements.critical_illness_paid as figure,
        '大病保險賠付' || {{ format_yuan('settlements.critical_illness_paid') }} || '元,達'
            || {{ format_number('parameters.ci_high_cost_threshold') }} || '元以上高額費用病例 / CI insurance paid '
            || {{ format_yuan('settlements.critical_illness_paid') }} || ' yuan, at or above the high-cost threshold of '
            || {{ format_number('parameters.ci_high_cost_threshold') }} || ' yuan' as reason

    from settlements
    cross join parameters

)

select * from flagged
