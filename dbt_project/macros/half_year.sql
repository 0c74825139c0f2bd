{#- The half-year of a date as text: `YYYY-H1` (January to June) or `YYYY-H2`. -#}
{% macro half_year(date_column) -%}
    (extract(year from {{ date_column }})::integer::text
        || case when extract(month from {{ date_column }}) <= 6 then '-H1' else '-H2' end)
{%- endmacro %}
