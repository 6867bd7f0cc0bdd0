{#- The participation lines, read by file (issue 17: a nightly build reads tonight's lines, not all
    history). int_participant_files is the ledger: one row per current file x month x employer,
    built incrementally by file; the whole-history summaries (int_participant_keys) and the month
    window of int_participation_monthly read the lines of the files it names.

    participant_lines_of(files): the lines (stg_ucj__participants) of the files a query lists.
        The list is evaluated first (`= any(array(...))`), so the lines are read through the raw
        table's (file_id, source_row) key whatever the planner estimates.
    delete_files_no_longer_current(): pre-hook of a table kept by file (a file_id column):
        deletes the rows of files that are no longer current (a newer version replaced them, or
        their region left the reference).
-#}
{% macro participant_lines_of(files_query) -%}
    (
        select * from {{ ref('stg_ucj__participants') }}
        where file_id = any(array({{ files_query }}))
    )
{%- endmacro %}

{% macro delete_files_no_longer_current() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where file_id = any(array(
            select files.file_id
            from {{ source('audit', 'files') }} as files
            where files.source = 'participants'
                and not exists (
                    select 1 from {{ ref('stg_ucj__current_files') }} as current_files
                    where current_files.file_id = files.file_id
                )
        ))
    {%- endif -%}
{%- endmacro %}

{#- Summaries kept incrementally by file, for models that need all history but not every line
    (int_participant_keys: one row per person x employer account x employer name, with line
    counts). Such a summary adds the lines of new files to its rows; it cannot take a file's
    lines out again, so when a file it has counted is no longer current (a corrected
    re-delivery, a reprocess) it starts again from every current file. The files a summary has
    counted are kept in intermediate.participant_files_applied.

    participant_files_prepare (pre-hook): the list exists; on a full refresh or a first build it
        is emptied; when a counted file is no longer in the ledger, the summary and its list are
        emptied, so the model reads every current file.
    participant_files_new(): the ledger's files this summary has not counted.
    participant_files_record (post-hook): the ledger's files are now counted. The ledger does not
        change between the model and its post-hook: it is built by the same dbt command, before,
        and one writing dbt command runs at a time (the warehouse's dbt lock).
-#}
{% macro participant_files_table() -%}
    {{ ref('int_participant_files').schema }}.participant_files_applied
{%- endmacro %}

{% macro participant_files_model() -%}
    '{{ this.schema }}.{{ this.identifier }}'
{%- endmacro %}

{% macro participant_files_ledger() -%}
    (select distinct file_id from {{ ref('int_participant_files') }})
{%- endmacro %}

{% macro participant_files_prepare() -%}
    create table if not exists {{ participant_files_table() }} (
        model_name text not null,
        file_id bigint not null,
        primary key (model_name, file_id)
    );
    {%- if is_incremental() %}
        delete from {{ this }}
        where exists (
            select 1 from {{ participant_files_table() }} as applied
            where applied.model_name = {{ participant_files_model() }}
                and not exists (
                    select 1 from {{ participant_files_ledger() }} as files
                    where files.file_id = applied.file_id
                )
        );
        delete from {{ participant_files_table() }}
        where model_name = {{ participant_files_model() }}
            and not exists (select 1 from {{ this }})
    {%- else %}
        delete from {{ participant_files_table() }} where model_name = {{ participant_files_model() }}
    {%- endif %}
{%- endmacro %}

{% macro participant_files_new() -%}
    select files.file_id
    from {{ participant_files_ledger() }} as files
    {%- if is_incremental() %}
        where not exists (
            select 1 from {{ participant_files_table() }} as applied
            where applied.model_name = {{ participant_files_model() }}
                and applied.file_id = files.file_id
        )
    {%- endif %}
{%- endmacro %}

{% macro participant_files_record() -%}
    insert into {{ participant_files_table() }} (model_name, file_id)
    select {{ participant_files_model() }}, files.file_id
    from {{ participant_files_ledger() }} as files
    on conflict do nothing;
    delete from {{ participant_files_table() }} as applied
    where applied.model_name = {{ participant_files_model() }}
        and not exists (
            select 1 from {{ participant_files_ledger() }} as files
            where files.file_id = applied.file_id
        );
    analyze {{ participant_files_table() }}
{%- endmacro %}
