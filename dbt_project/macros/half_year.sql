{#-
    Half-years (半年度), the period of the working group's lists and the bulletin: `YYYY-H1`
    (January to June) and `YYYY-H2` (July to December). Every model builds its periods with
    these macros.
-#}

{#- The half-year of a date as text: `YYYY-H1` or `YYYY-H2`. -#}
{% macro half_year(date_column) -%}
    (extract(year from {{ date_column }})::integer::text
        || case when extract(month from {{ date_column }}) <= 6 then '-H1' else '-H2' end)
{%- endmacro %}


{#- The first day of the half-year of a date (1 January or 1 July). -#}
{% macro half_year_start(date_column) -%}
    make_date(extract(year from {{ date_column }})::integer,
              case when extract(month from {{ date_column }}) <= 6 then 1 else 7 end, 1)
{%- endmacro %}


{#- The last day of the half-year of a date (30 June or 31 December). -#}
{% macro half_year_end(date_column) -%}
    ({{ half_year_start(date_column) }} + interval '6 months' - interval '1 day')::date
{%- endmacro %}


{#-
    The same period a year earlier, for a period written `YYYY`, `YYYY-Hn` or `YYYY-Qn`
    (2025-H1 → 2024-H1, 2025 → 2024).
-#}
{% macro period_a_year_earlier(period) -%}
    ((left({{ period }}, 4)::integer - 1)::text || substr({{ period }}, 5))
{%- endmacro %}


{#- The first day of a half-year written `YYYY-H1` or `YYYY-H2`. -#}
{% macro half_year_first_day(period) -%}
    make_date(left({{ period }}, 4)::integer, case when right({{ period }}, 1) = '1' then 1 else 7 end, 1)
{%- endmacro %}
