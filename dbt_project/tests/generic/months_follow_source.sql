{#-
    A month-partitioned incremental model holds each month as of the source's current load of
    it: every month in the model has rows of exactly one load, the source's load of that month
    (none stale, none gone from the source); with `every_month`, every month of the source is in
    the model. Catches a month an incremental run failed to rebuild or drop. Cheap on big tables:
    index probes on (month_column, _load_id) in the model and on month_column in the source
    (macro month_load_ids), no scan.
-#}
{% test months_follow_source(model, month_column, source_model, every_month=true) %}

with

built as (

    {{ month_load_ids(model, month_column, with_range=true) }}

),

landed as (

    {{ month_load_ids(source_model, month_column) }}

)

select
    coalesce(built.month, landed.month) as month,
    built.min_load_id,
    built.max_load_id,
    landed.load_id as landed_load_id

from built
full outer join landed on landed.month = built.month
where landed.month is null
    or built.min_load_id <> landed.load_id
    or built.max_load_id <> landed.load_id
    {%- if every_month %}
    or built.month is null
    {%- endif %}

{% endtest %}
