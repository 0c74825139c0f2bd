{#- Whether an ICD-10 diagnosis code is diabetes mellitus (E10-E14, 糖尿病). -#}
{% macro is_diabetes(diagnosis_code) -%}
    upper(left({{ diagnosis_code }}, 3)) in ('E10', 'E11', 'E12', 'E13', 'E14')
{%- endmacro %}
