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

    Row tests of a staging view of lines use
        config: {where: "__new_files__(participants, intermediate.int_participant_files)"}
    instead: the lines of the current files of that source that the named ledger (a table built
    incrementally by file from the view, after these tests in a build) does not hold yet, i.e.
    tonight's files; everything when the ledger does not exist yet or on --full-refresh. Sound
    for checks of one line, or of a key that includes file_id: a file's lines never change once
    loaded (a re-delivery is a new file_id). The files are listed first (`= any(array(...))`), so
    the read of the lines is an index scan of the raw table's (file_id, source_row) key.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set new_files = modules.re.match('^__new_files__\((\w+), (\w+)\.(\w+)\)$', where | trim) if where else none -%}
    {%- if new_files -%}
        {{ return(new_files_subquery(relation, new_files.group(1), new_files.group(2), new_files.group(3))) }}
    {%- endif -%}
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

{% macro new_files_subquery(relation, source_name, ledger_schema, ledger_table) -%}
    {%- set ledger_exists = false -%}
    {%- if execute and not flags.FULL_REFRESH -%}
        {%- set probe -%}
            select to_regclass('{{ ledger_schema }}.{{ ledger_table }}') is not null
        {%- endset -%}
        {%- set ledger_exists = run_query(probe).columns[0].values()[0] -%}
    {%- endif -%}
    {%- if not ledger_exists -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set filtered -%}
        (select * from {{ relation }} where file_id = any(array(
            select files.file_id
            from {{ relation.schema }}.stg_ucj__current_files as files  {#- staging, beside the relation tested #}
            where files.source = '{{ source_name }}'
                and not exists (
                    select 1 from {{ ledger_schema }}.{{ ledger_table }} as ledger
                    where ledger.file_id = files.file_id
                )
        ))) dbt_subquery
    {%- endset -%}
    {{ return(filtered) }}
{%- endmacro %}
