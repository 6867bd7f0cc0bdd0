{#- The window of int_participation_monthly: the months of the lookback whose inputs changed.

    The monthly idiom (macros/incremental_months.sql) rebuilds every month from `lookback_months`
    before the newest export onwards, so that late and corrected files, and the drift of what
    the lines are joined with, are picked up in those months. For int_participation_monthly,
    the one monthly model that reads the participation lines, most of those months come out as
    they were: on an ordinary night only the new month's files arrive. A month of the lookback
    is rebuilt here only when something it is built from changed since the model was last built:
        files     the current files with lines in the month (a new, corrected or withdrawn file);
        kpj       the person a KPJ listed without a NIK resolves to (int_kpjs_resolved_to_persons):
                  the months with a row of that person, as built (the KPJ's old person) or as it
                  will be (its new one);
        npp       the OPD of a region's NPP (int_npp_opd_pairs, learned from the lines): the
                  months of the ledger with lines of that NPP;
        employer  the OPD an employer name names (int_opd_texts_matched_to_opds): the months of
                  the ledger with lines of that name.
    Every other month of the lookback would be rebuilt from the same lines joined with the same
    rows, so the result equals the lookback's (and a full refresh's, over the lookback) with less
    work. Months before the lookback are kept as the idiom keeps them; a backfill's
    reprocess_from_month and a changed OPD attribution still rebuild what they rebuild.

    The inputs a build used are kept in intermediate.monthly_window_inputs_applied (post-hook
    participation_window_record); the months to rebuild are worked out once, before the model
    runs, into a temporary table dropped when the model's transaction commits (pre-hook
    participation_window_prepare; dbt runs a model's pre-hooks, SQL, strategy and post-hooks in
    one transaction on one connection), read by incremental_months_filter (meta window_months:
    changed) and the strategy's delete, and logged by the post-hook.
-#}
{% macro participation_window_inputs() -%}
    select 'files' as kind, '' as kode_wilayah, ledger.period_month::text as key,
        md5(string_agg(distinct ledger.file_id::text, ',' order by ledger.file_id::text)) as value
    from {{ ref('int_participant_files') }} as ledger
    group by ledger.period_month
    union all
    select 'kpj', '', kpjs.kpj, kpjs.person_id
    from {{ ref('int_kpjs_resolved_to_persons') }} as kpjs
    where exists (
        select 1 from {{ ref('int_participant_keys') }} as keys
        where keys.kpj = kpjs.kpj and keys.nik is null
    )
    union all
    select 'npp', npp_pairs.kode_wilayah, npp_pairs.npp, npp_pairs.opd_code
    from {{ ref('int_npp_opd_pairs') }} as npp_pairs
    union all
    select 'employer', employer_names.kode_wilayah, employer_names.opd_key, employer_names.opd_code
    from {{ ref('int_opd_texts_matched_to_opds') }} as employer_names
{%- endmacro %}

{% macro participation_window_inputs_table() -%}
    {{ this.schema }}.monthly_window_inputs_applied
{%- endmacro %}

{% macro participation_window_months_table() -%}
    pg_temp.ucj_window_months
{%- endmacro %}

{#- The months incremental_months_filter rebuilds (meta window_months: changed). -#}
{% macro participation_window_months(month_column) -%}
    {{ month_column }} = any(array(
        select months.period_month from {{ participation_window_months_table() }} as months
    ))
{%- endmacro %}

{#- A backfill (reprocess_from_month) sets its own window: nothing is worked out, and its build
    is not recorded as applied (it may rebuild one region only), so the next nightly build
    compares with what the last nightly build used. -#}
{% macro participation_window_backfill() -%}
    {{ return(var('reprocess_from_month', none) is not none) }}
{%- endmacro %}

{% macro participation_window_prepare() -%}
    create table if not exists {{ participation_window_inputs_table() }} (
        model_name text not null,
        kind text not null,
        kode_wilayah text not null,
        key text not null,
        value text
    );
    create index if not exists monthly_window_inputs_applied_model
        on {{ participation_window_inputs_table() }} (model_name, kind);
    {%- if is_incremental() and not participation_window_backfill() %}
    drop table if exists {{ participation_window_months_table() }};
    create temporary table ucj_window_months (period_month date primary key) on commit drop;
    insert into {{ participation_window_months_table() }} (period_month)
    with
    current_inputs as ({{ participation_window_inputs() }}),
    applied as (
        select applied.kind, applied.kode_wilayah, applied.key, applied.value
        from {{ participation_window_inputs_table() }} as applied
        where applied.model_name = {{ participant_files_model() }}
    ),
    changed as materialized (
        (select * from current_inputs except select * from applied)
        union
        (select * from applied except select * from current_inputs)
    ),
    lookback as (
        select {{ add_months('max(ledger.period_month)', '-' ~ var('lookback_months')) }} as first_month
        from {{ ref('int_participant_files') }} as ledger
    ),
    affected as (
        select cast(changed.key as date) as period_month
        from changed
        where changed.kind = 'files'
        union
        -- the person's rows through the index on (person_id, period_month, kode_wilayah)
        select built.period_month
        from {{ this }} as built
        where built.person_id = any(array(select changed.value from changed where changed.kind = 'kpj'))
            and built.period_month >= (select lookback.first_month from lookback)
        union
        select ledger.period_month
        from changed
        inner join {{ ref('int_participant_files') }} as ledger
            on changed.kode_wilayah = ledger.kode_wilayah
            and changed.key = ledger.npp_key
        where changed.kind = 'npp'
        union
        select ledger.period_month
        from changed
        inner join {{ ref('int_participant_files') }} as ledger
            on changed.kode_wilayah = ledger.kode_wilayah
            and changed.key = ledger.employer_key
        where changed.kind = 'employer'
    )
    select distinct affected.period_month
    from affected
    where affected.period_month >= (select lookback.first_month from lookback);
    analyze {{ participation_window_months_table() }}
    {%- endif %}
{%- endmacro %}

{% macro participation_window_record() -%}
    {%- if participation_window_backfill() %}
    select 1
    {%- else %}
    {%- if execute and is_incremental() -%}
        {%- set months = run_query('select period_month from ' ~ participation_window_months_table() ~ ' order by 1') -%}
        {{ log(this.identifier ~ ': rebuilt the months whose inputs changed: ' ~ (months.columns[0].values() | map('string') | join(', ') or 'none'), info=True) }}
    {%- endif %}
    delete from {{ participation_window_inputs_table() }} where model_name = {{ participant_files_model() }};
    insert into {{ participation_window_inputs_table() }} (model_name, kind, kode_wilayah, key, value)
    select {{ participant_files_model() }}, inputs.kind, inputs.kode_wilayah, inputs.key, inputs.value
    from ({{ participation_window_inputs() }}) as inputs;
    analyze {{ participation_window_inputs_table() }}
    {%- endif %}
{%- endmacro %}
