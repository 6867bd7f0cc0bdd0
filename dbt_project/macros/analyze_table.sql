{#-
    Planner statistics for a table dbt has just built, before the next model reads it.
    A table made by `create table as` has none until autovacuum gets to it, and PostgreSQL then
    guesses one row: at province scale it chose a nested loop over an 11 M-row aggregate for
    fct_rentan_coverage_monthly (bench/README.md). Views are skipped (nothing to analyze).
-#}
{% macro analyze_table() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
