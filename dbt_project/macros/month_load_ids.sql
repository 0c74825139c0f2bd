{#-
    (month, load_id) of every month present in `relation`, read through the b-tree index on
    `month_column` without scanning the table: a recursive "loose index scan" steps from one
    distinct month to the next, one index probe each, taking the first row's `_load_id`. The
    step orders by a range of months: a probe for one given month (`where month = m limit 1`)
    may be planned as a sequential scan, which reads all the rows before month m.

    Relies on the loader's invariant that all rows of a month carry the same `_load_id` (a
    monthly file replaces its month in one transaction); the test
    months_follow_source checks every month-incremental model against its source.
    `relation` must be a table or a simple view over one (no CTEs, or PostgreSQL cannot use
    the index).

    With `with_range`, also the smallest and largest `_load_id` of each month
    (min_load_id, max_load_id: one more index probe each), to check that invariant.

    On the `citus` target the one place where the SQL differs (docs/citus.md): Citus runs a
    recursive CTE, or a subquery correlated on another column than the distribution column,
    over a distributed table only when it filters on the distribution column, so each shard
    groups its rows by month instead, in parallel on the workers, and the coordinator merges
    the groups.
-#}
{% macro month_load_ids(relation, month_column, with_range=false) -%}
    {%- if target.name == 'citus' -%}
    select {{ month_column }} as month, min(_load_id) as load_id
        {%- if with_range %}, min(_load_id) as min_load_id, max(_load_id) as max_load_id{% endif %}
    from {{ relation }}
    group by {{ month_column }}
    {%- else -%}
    with recursive months_in_index (month, load_id) as (
        (
            select {{ month_column }}, _load_id
            from {{ relation }}
            order by {{ month_column }}
            limit 1
        )
        union all
        select next_month.month, next_month.load_id
        from months_in_index
        cross join lateral (
            select probe.{{ month_column }} as month, probe._load_id as load_id
            from {{ relation }} as probe
            where probe.{{ month_column }} > months_in_index.month
            order by probe.{{ month_column }}
            limit 1
        ) as next_month
    )
    select month, load_id
        {%- for bound in (['min', 'max'] if with_range else []) %},
        (select {{ bound }}(probe._load_id) from {{ relation }} as probe
         where probe.{{ month_column }} = months_in_index.month) as {{ bound }}_load_id
        {%- endfor %}
    from months_in_index
    {%- endif -%}
{%- endmacro %}


{#-
    Months of `relation` that `other` does not hold as loaded: absent there or with another load
    id. With `this` as `other` these are the source's new and re-delivered months (the ones to
    build); the other way round, the model's re-delivered months and those gone from the source
    (the ones to delete). Both relations need an index on `month_column` and a `_load_id` column.
-#}
{% macro months_not_matching(relation, other, month_column) -%}
    select held.month
    from ({{ month_load_ids(relation, month_column) }}) as held
    left join ({{ month_load_ids(other, month_column) }}) as compared
        on compared.month = held.month
    where compared.month is null
        or compared.load_id <> held.load_id
{%- endmacro %}


{#-
    `column in (<the months `query` returns, as date literals>)`, the query run when the model
    runs. Literal months let PostgreSQL read them through the month index; with a subquery it
    plans for many months and scans the whole table.
-#}
{% macro in_months(column, query) -%}
    {%- set months = run_query(query).columns[0].values() if execute else [] -%}
    {{ column }} in (
        {%- for month in months -%}
            date '{{ month }}'{{ ', ' if not loop.last }}
        {%- else -%}
            null
        {%- endfor -%}
    )
{%- endmacro %}


{#-
    Pre-hook of a month-partitioned incremental model (strategy `append`): on an incremental
    run, delete the rows of its stale months (re-delivered or gone from the source) before the
    new rows of the months that changed are appended (macro where_month_changed). Deleting
    first, rather than dbt's delete+insert by month, also clears a month whose new delivery has
    no row for this model (e.g. no reversal) or that is gone from the source.
-#}
{% macro delete_stale_months(month_column, source_relation) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ in_months(month_column, months_not_matching(this, source_relation, month_column)) }}
    {%- else -%}
        select 1 /* full build: nothing to delete */
    {%- endif -%}
{%- endmacro %}


{#-
    The WHERE clause of a month-partitioned incremental model's select: on an incremental run,
    only the months of `source_relation` that `this` does not hold as loaded (new or
    re-delivered; the model is compiled before its pre-hook deletes the stale ones); nothing
    on a full build. A model whose rows are a subset of the source's (e.g. the reversals)
    re-reads, on every run, the months in which it has no row.
-#}
{% macro where_month_changed(month_column, source_relation) -%}
    {%- if is_incremental() -%}
        where {{ in_months(month_column, months_not_matching(source_relation, this, month_column)) }}
    {%- endif -%}
{%- endmacro %}


{#-
    The config of a month-partitioned incremental model that follows `source_model` (a model
    name) by `settlement_month`: appended month by month after the pre-hook delete_stale_months,
    indexed on (settlement_month, _load_id) for month_load_ids, plus `indexes`.
-#}
{% macro config_following_months(source_model, indexes=[]) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        indexes=[{'columns': ['settlement_month', '_load_id']}] + indexes,
        pre_hook=["{{ delete_stale_months('settlement_month', ref('" ~ source_model ~ "')) }}"],
    ) }}
{%- endmacro %}
