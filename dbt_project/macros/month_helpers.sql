{#- Month arithmetic on first-of-month dates. -#}
{% macro add_months(month_expr, months) -%}
    (({{ month_expr }})::date + make_interval(months => ({{ months }})::integer))::date
{%- endmacro %}

{% macro month_of(date_expr) -%}
    date_trunc('month', {{ date_expr }})::date
{%- endmacro %}

{#- Whole months from `start_month` to `end_month` (both first-of-month dates). -#}
{% macro months_between(start_month, end_month) -%}
    ((extract(year from {{ end_month }}) - extract(year from {{ start_month }})) * 12
        + extract(month from {{ end_month }}) - extract(month from {{ start_month }}))::integer
{%- endmacro %}
