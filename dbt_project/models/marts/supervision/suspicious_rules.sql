-- The screening rules of suspicious_settlements (篩查規則目錄): one row per rule_id, with the
-- effective values of its policy parameters, from the catalogue in macros/screening_rules.sql.

{% set rules = screening_rules() %}

with

parameters as (

    select
        key,
        case when key in ('{{ text_policy_parameter_keys() | join("', '") }}') then value
             else trim_scale(value::numeric)::text end as value
    from {{ ref('int_policy_parameters') }}

),

rules as (

    select *
    from (
        values
        {% for rule_id, name, flags, figure, keys in rules %}
            ('{{ rule_id }}'::text, '{{ name }}'::text, '{{ flags | replace("'", "''") }}'::text,
             '{{ figure | replace("'", "''") }}'::text, array[{% for key in keys %}'{{ key }}'{{ "," if not loop.last }}{% endfor %}]::text[],
             {{ loop.index }}){{ "," if not loop.last }}
        {% endfor %}
    ) as listed (rule_id, rule_name, flags, figure_meaning, parameter_keys, position)

),

final as (

    select
        rules.rule_id,
        rules.rule_name,
        rules.flags,
        rules.figure_meaning,
        coalesce((
            select string_agg(keys.key || '=' || parameters.value, ', ' order by keys.position)
            from unnest(rules.parameter_keys) with ordinality as keys (key, position)
            inner join parameters on parameters.key = keys.key
        ), '') as parameters

    from rules
    order by rules.position

)

select * from final
