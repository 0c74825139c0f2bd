-- Suspicious settlements (疑似問題病案, shared/CONTRACT.md §3): one row per flagged settlement and
-- screening rule, the union of the rule models int_suspicious__<rule_id>. Rules see only effective
-- settlements (neither reversals nor reversed). The bureau must conclude its verification within
-- three months (原則上於3個月內作出核查結果):
--   detected_month  the flagged settlement's settlement month
--   due_date        detected_month + 3 months
--   is_past_due     due_date before the latest data month (dim_months)

{% set rules = screening_rules() | map(attribute=0) | list %}

with

{% for rule in rules %}
{{ rule }} as (

    select settlement_id, rule_id, institution_code, person_key, settlement_month, figure, reason
    from {{ ref('int_suspicious__' ~ rule) }}

),

{% endfor %}
flagged as (

    {% for rule in rules %}
    select * from {{ rule }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

latest as (

    select month as latest_month
    from {{ ref('dim_months') }}
    where is_latest_data_month

),

final as (

    select
        flagged.settlement_id,
        flagged.rule_id,
        flagged.institution_code,
        flagged.person_key,
        flagged.figure::numeric(18, 2) as figure,
        flagged.settlement_month as detected_month,
        (flagged.settlement_month + interval '3 months')::date as due_date,
        coalesce((flagged.settlement_month + interval '3 months')::date < latest.latest_month, false) as is_past_due,
        flagged.reason

    from flagged
    left join latest on true

)

select * from final
