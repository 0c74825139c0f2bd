{#-
    (month, load_id) of every month present in `relation`, read through the b-tree index on
    `month_column` without scanning the table: a recursive "loose index scan" steps from one
    distinct month to the next (one index probe each) and takes one row's `_load_id` per month.

    Relies on the loader's invariant that all rows of a month carry the same `_load_id` (a
    monthly file replaces its month in one transaction); the test
    assert_fct_settlements_matches_landed checks the fact against the landed rows in full.
    `relation` must be a table or a simple view over one (no CTEs, or PostgreSQL cannot use
    the index for min()).
-#}
{% macro month_load_ids(relation, month_column) -%}
    select
        distinct_months.month,
        (
            select probe._load_id
            from {{ relation }} as probe
            where probe.{{ month_column }} = distinct_months.month
            limit 1
        ) as load_id
    from (
        with recursive months_in_index (month) as (
            select min({{ month_column }}) from {{ relation }}
            union all
            select (
                select min(next_month.{{ month_column }})
                from {{ relation }} as next_month
                where next_month.{{ month_column }} > months_in_index.month
            )
            from months_in_index
            where months_in_index.month is not null
        )
        select month from months_in_index where month is not null
    ) as distinct_months
{%- endmacro %}


{#-
    Months an incremental run of a month-partitioned model must rebuild: those of
    `source_relation` that are absent from the model (`this`) or carry another load id there
    (a new or re-delivered month). Both relations need an index on `month_column` and a
    `_load_id` column. Months gone from the source are handled by the pre-hook
    delete_months_gone_from_source.
-#}
{% macro changed_months(source_relation, month_column) -%}
    select landed.month
    from ({{ month_load_ids(source_relation, month_column) }}) as landed
    left join ({{ month_load_ids(this, month_column) }}) as loaded
        on loaded.month = landed.month
    where loaded.month is null
        or loaded.load_id <> landed.load_id
{%- endmacro %}


{#-
    The WHERE clause of a month-partitioned incremental model's select: on an incremental run,
    only the months of `source_relation` that changed (macro changed_months); nothing on a full
    build.
-#}
{% macro where_month_changed(month_column, source_relation) -%}
    {%- if is_incremental() -%}
        where {{ month_column }} in ({{ changed_months(source_relation, month_column) }})
    {%- endif -%}
{%- endmacro %}
