{#- The reporting month of a raw row: the file's PERIODE column when it has one (raw column
    `periode` from migration V003, else the `extra:PERIODE` key of source_values), else the
    period of the folder the file was delivered into. -#}
{% macro raw_period_month(relation, alias='source') -%}
    {%- set has_periode = false -%}
    {%- if execute -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        {%- set has_periode = 'periode' in columns -%}
    {%- endif -%}
    to_date(
        coalesce(
            {%- if has_periode %}
            case when {{ alias }}.periode ~ '^\d{4}-\d{2}$' then {{ alias }}.periode end,
            {%- endif %}
            case
                when {{ alias }}.source_values ->> 'extra:PERIODE' ~ '^\d{4}-\d{2}$'
                    then {{ alias }}.source_values ->> 'extra:PERIODE'
            end,
            {{ alias }}.period
        ) || '-01',
        'YYYY-MM-DD'
    )
{%- endmacro %}
