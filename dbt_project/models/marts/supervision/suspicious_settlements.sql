-- Suspicious settlements (疑似問題病案, docs/domain.md requirements 3 and 5): one row per flagged settlement and
-- screening rule, the union of the rule models int_suspicious__<rule_id>. Rules see only effective
-- settlements (neither reversals nor reversed). The bureau must conclude its verification within
-- three months (原則上於3個月內作出核查結果); the case's state is its latest case review:
--   detected_month    the flagged settlement's settlement month
--   received_date, review_outcome, concluded_date   from the latest case_review row; NULL when none
--   due_date          received_date + 3 months when a review exists, else detected_month + 3 months
--   is_past_due       due_date before the latest data month (dim_months) and the case neither
--                     confirmed nor cleared

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

reviews as (

    select settlement_id, received_date, outcome, concluded_date, due_date
    from {{ ref('int_case_reviews_latest') }}

),

latest as (

    select month as latest_month
    from {{ ref('dim_months') }}
    where is_latest_data_month

),

deadlines as (

    select
        flagged.*,
        reviews.received_date,
        reviews.outcome as review_outcome,
        reviews.concluded_date,
        coalesce(reviews.due_date, (flagged.settlement_month + interval '3 months')::date) as due_date

    from flagged
    left join reviews on reviews.settlement_id = flagged.settlement_id

),

final as (

    select
        deadlines.settlement_id,
        deadlines.rule_id,
        deadlines.institution_code,
        deadlines.person_key,
        deadlines.figure::numeric(18, 2) as figure,
        deadlines.settlement_month as detected_month,
        deadlines.received_date,
        deadlines.review_outcome,
        deadlines.concluded_date,
        deadlines.due_date,
        coalesce(deadlines.due_date < latest.latest_month, false)
            and deadlines.concluded_date is null as is_past_due,
        deadlines.reason

    from deadlines
    left join latest on true

)

select * from final
