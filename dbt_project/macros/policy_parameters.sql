{#-
    Known policy parameters: the keys of dbt_project.yml's vars whose defaults
    reference/policy_parameters.csv can override. Keep in step with dbt_project.yml.
-#}
{% macro policy_parameter_keys() -%}
    {{ return([
        'payable_months_critical',
        'payable_months_low',
        'payable_months_excess',
        'growth_min_base',
        'top_usage_city',
        'top_usage_county',
        'top_growth_city',
        'inspection_lookback_months',
        'inspection_plan_min',
        'inspection_plan_max',
        'rectification_days',
        'overspend_tolerance',
        'ci_high_cost_threshold',
        'readmission_days',
        'frequent_admission_stays',
        'same_day_admissions_min',
        'same_day_admissions_ratio',
        'near_identical_band',
        'near_identical_min_stays',
        'near_identical_min_share',
        'long_stay_ratio',
        'long_stay_daily_cost_ratio',
        'long_stay_min_peer_stays',
        'diabetes_drug_cost_cap',
        'readmission_excluded_diagnoses',
    ]) }}
{%- endmacro %}


{#-
    The known policy parameters whose value is text; every other one is a decimal number.
    Keep in step with TEXT_PARAMETERS in orchestration/sources.py (the loader's check of the value).
-#}
{% macro text_policy_parameter_keys() -%}
    {{ return(['readmission_excluded_diagnoses']) }}
{%- endmacro %}


{#-
    A one-row select of the effective values of `keys`, one column per key, from
    int_policy_parameters (defaults overridden by the landing file): numeric, or text for the
    text parameters. Use it as an import CTE:
        parameters as ({{ select_policy_parameters(['growth_min_base', 'top_usage_city']) }})
-#}
{% macro select_policy_parameters(keys) -%}
    select
        {%- for key in keys %}
        (max(value) filter (where key = '{{ key }}')){{ "" if key in text_policy_parameter_keys() else "::numeric" }} as {{ key }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ ref('int_policy_parameters') }}
{%- endmacro %}
