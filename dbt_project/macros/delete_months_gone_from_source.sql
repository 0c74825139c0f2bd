{#-
    Pre-hook of a month-incremental model: on an incremental run, delete the rows of months
    that no longer have any row in `source_relation` (e.g. a month re-delivered with no valid
    row). delete+insert can only replace months that still have rows; this covers the rest.
    Both `this` and `source_relation` have the month in column `month_column`, indexed.
-#}
{% macro delete_months_gone_from_source(month_column, source_relation) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ month_column }} in (
            select loaded.month
            from ({{ month_load_ids(this, month_column) }}) as loaded
            where not exists (
                select 1 from {{ source_relation }} as landed
                where landed.{{ month_column }} = loaded.month
            )
        )
    {%- else -%}
        select 1 /* full build: nothing to delete */
    {%- endif -%}
{%- endmacro %}
