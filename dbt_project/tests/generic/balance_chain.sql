{#-
    Continuity of a balance chain: within each `partition_by`, every row's opening balance equals
    the previous row's closing balance (rows ordered by `order_by`), and consecutive rows are one
    month apart (no gap in the spine).
-#}
{% test balance_chain(model, partition_by, order_by='month', opening='opening_balance',
                      closing='closing_balance') %}

with chained as (

    select
        *,
        lag({{ closing }}) over (partition by {{ partition_by }} order by {{ order_by }}) as previous_closing,
        lag({{ order_by }}) over (partition by {{ partition_by }} order by {{ order_by }}) as previous_month

    from {{ model }}

)

select *
from chained
where previous_month is not null
    and (
        {{ opening }} <> previous_closing
        or previous_month + interval '1 month' <> {{ order_by }}
    )

{% endtest %}
