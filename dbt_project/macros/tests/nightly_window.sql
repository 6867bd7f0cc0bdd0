{#-
    Tests that check only what the last build rebuilt.

    An incremental model built by month records, in the last line of its table comment, the
    first month its last build rebuilt (`record_incremental_window`, a post-hook of the idiom in
    macros/incremental_months.sql): `all` after a full refresh or a first build, else the
    window's first month. A generic test configured with
        config: {where: "__nightly_window__(period_month)"}
    then reads only the rows of months from that one on (and rows without a month, so that a
    null never hides), and everything after a full build. Sound only for tests whose verdict on
    a row cannot change while the row does not: checks of one row, or of a key that includes
    the month (rows of older months were checked by the run that wrote them and are untouched
    since). Not for keys across months, nor relationships to tables rebuilt in full.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set window = modules.re.match('^__nightly_window__\((\w+)\)$', where | trim) if where else none -%}
    {%- if not window -%}
        {{ return(dbt.default__get_where_subquery(relation)) }}
    {%- endif -%}
    {%- set from_month = 'all' -%}
    {%- if execute -%}
        {%- set comment_query -%}
            select obj_description(to_regclass(quote_ident('{{ relation.schema }}') || '.' || quote_ident('{{ relation.identifier }}')), 'pg_class')
        {%- endset -%}
        {%- set comment = run_query(comment_query).columns[0].values()[0] -%}
        {%- set recorded = modules.re.search('(?m)^ucj incremental window: (\d{4}-\d{2}-\d{2})$', comment or '') -%}
        {%- if recorded -%}
            {%- set from_month = recorded.group(1) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if from_month == 'all' -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set filtered -%}
        (select * from {{ relation }} where {{ window.group(1) }} is null or {{ window.group(1) }} >= cast('{{ from_month }}' as date)) dbt_subquery
    {%- endset -%}
    {{ return(filtered) }}
{%- endmacro %}
