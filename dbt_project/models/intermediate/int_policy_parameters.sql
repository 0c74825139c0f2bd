-- The effective policy parameters: the documented defaults (vars in dbt_project.yml) overridden
-- key by key by reference/policy_parameters.csv. One row per known key; landed keys that are not
-- known parameters are ignored here (a warning test on stg_bureau__policy_parameters names them).
-- Marts read their parameters from this model (macro select_policy_parameters, which types them),
-- never from var(). Values are text here: most are decimal numbers, a few are text
-- (macro text_policy_parameter_keys).

with

overrides as (

    select key, value from {{ ref('stg_bureau__policy_parameters') }}

),

defaults as (

    select key, default_value
    from (
        values
        {%- for key in policy_parameter_keys() %}
            ('{{ key }}'::text, '{{ var(key) | string | replace("'", "''") }}'::text){{ "," if not loop.last }}
        {%- endfor %}
    ) as documented (key, default_value)

),

effective as (

    select
        defaults.key,
        coalesce(overrides.value, defaults.default_value) as value,
        defaults.default_value,
        overrides.key is not null as is_overridden

    from defaults
    left join overrides on overrides.key = defaults.key

)

select * from effective
