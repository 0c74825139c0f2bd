{#-
    The non-NULL values of the rank column are 1, 2, …, n within each group of `partition_by`
    columns: unique and without gaps. Fails with the offending groups.
-#}
{% test ranks_are_unique(model, column_name, partition_by) %}

select
    {{ partition_by | join(', ') }},
    count({{ column_name }}) as ranked_rows,
    count(distinct {{ column_name }}) as distinct_ranks,
    min({{ column_name }}) as lowest_rank,
    max({{ column_name }}) as highest_rank

from {{ model }}
group by {{ partition_by | join(', ') }}
having count({{ column_name }}) > 0
    and (
        count({{ column_name }}) <> count(distinct {{ column_name }})
        or min({{ column_name }}) <> 1
        or max({{ column_name }}) <> count({{ column_name }})
    )

{% endtest %}
