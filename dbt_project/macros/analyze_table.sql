{#-
    Post-hook of the intermediate models: `analyze` a model built as a table, so that the models
    reading it later in the same run are planned with its statistics. A new table has none until
    autovacuum comes by, and without them PostgreSQL misjudges the joins of enrollment_monthly
    and the screening rules (e.g. 13 s instead of 8 s for enrollment_monthly at 10M).
-#}
{% macro analyze_table() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- else -%}
        select 1 /* a view has no statistics of its own */
    {%- endif -%}
{%- endmacro %}
