{#-
    The column is the year-to-date sum of `source_column` in `source_model` for the same key:
    Σ over source rows with the same `key_column` and a month from January of the row's year up
    to the row's month. Exact comparison (amounts in cents).
-#}
{% test equals_year_to_date_sum(model, column_name, source_model, source_column,
                                key_column, month_column='month', source_month_column='month') %}

with

source_by_month as (

    select
        {{ key_column }} as key_value,
        {{ source_month_column }} as month,
        sum({{ source_column }}) as amount

    from {{ source_model }}
    group by 1, 2

),

checked as (

    select
        tested.{{ key_column }},
        tested.{{ month_column }},
        tested.{{ column_name }} as actual,
        coalesce(sum(source_by_month.amount), 0) as expected

    from {{ model }} as tested
    left join source_by_month
        on source_by_month.key_value = tested.{{ key_column }}
        and source_by_month.month between date_trunc('year', tested.{{ month_column }})
                                      and tested.{{ month_column }}

    group by tested.{{ key_column }}, tested.{{ month_column }}, tested.{{ column_name }}

)

select * from checked where actual <> expected

{% endtest %}
