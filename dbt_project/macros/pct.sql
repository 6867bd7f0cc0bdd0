{#- A percentage as numeric(5,2); NULL when the denominator is zero or NULL. -#}
{% macro pct(numerator, denominator) -%}
    round(({{ numerator }})::numeric * 100 / nullif({{ denominator }}, 0), 2)::numeric(5, 2)
{%- endmacro %}
