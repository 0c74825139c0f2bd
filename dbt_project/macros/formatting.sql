{#- Text of an amount in yuan with two decimals (12345.60), for reason texts. -#}
{% macro format_yuan(expression) -%}
    to_char({{ expression }}, 'FM999999999990.00')
{%- endmacro %}


{#- Text of a number without trailing zeros (30000, 0.33, 4), for parameters in reason texts. -#}
{% macro format_number(expression) -%}
    trim_scale(({{ expression }})::numeric)::text
{%- endmacro %}


{#- Text of a ratio as a percentage with one decimal (37.5%), for reason texts. -#}
{% macro format_percent(expression) -%}
    to_char(100 * ({{ expression }}), 'FM999999990.0') || '%'
{%- endmacro %}
