{#- Fails on every row of the model where `expression` is not true (NULL counts as failing). -#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
