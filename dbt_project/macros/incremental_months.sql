{#- The incremental window of a fact built by month: on an incremental run only the months
    from `lookback_months` before the newest month of `source_relation` onwards are rebuilt
    (late and corrected files of those months are picked up); older months are kept as they
    are. A full refresh (or a first run) rebuilds everything. Used in a where clause:
        where {{ incremental_months_filter('period_month', ref('stg_ucj__participants')) }}
-#}
{% macro incremental_months_filter(month_column, source_relation, source_month_column='period_month') -%}
    {%- if is_incremental() -%}
        {{ month_column }} >= (
            select {{ add_months('max(' ~ source_month_column ~ ')', '-' ~ var('lookback_months')) }}
            from {{ source_relation }}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
