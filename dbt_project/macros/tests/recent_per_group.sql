{#- Generic test (source freshness per region): every group's newest `column_name` is at most
    `max_age_days` old. Sources' own `freshness` checks a table as a whole; a region that
    stopped delivering would hide behind the others. Use with severity warn. -#}
{% test recent_per_group(model, column_name, group_by, max_age_days) %}
select
    {{ group_by }},
    max({{ column_name }}) as newest
from {{ model }}
group by {{ group_by }}
having max({{ column_name }}) < now() - make_interval(days => {{ max_age_days }})
{% endtest %}
