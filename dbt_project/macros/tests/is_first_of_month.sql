{#- Generic test: every value is the first day of a month (months are stored that way). -#}
{% test is_first_of_month(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} <> date_trunc('month', {{ column_name }})::date
{% endtest %}
