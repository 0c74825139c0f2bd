{#-
    Accounting identity of a balance row: net_flow = income − expenditure and
    closing_balance = opening_balance + income − expenditure (exact, amounts in cents).
-#}
{% test balance_identity(model, opening='opening_balance', income='income', expenditure='expenditure',
                         net_flow='net_flow', closing='closing_balance') %}

select *
from {{ model }}
where {{ net_flow }} <> {{ income }} - {{ expenditure }}
    or {{ closing }} <> {{ opening }} + {{ income }} - {{ expenditure }}

{% endtest %}
