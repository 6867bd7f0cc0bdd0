{#- The one incremental idiom of the facts built by month (models/*/monthly/, configured once in
    dbt_project.yml: materialized incremental, incremental_strategy monthly_window, unique_key
    [kode_wilayah, period_month], on_schema_change append_new_columns, the hooks below). A model
    says only what differs, in its meta:
        {{ config(meta={'window_source': 'int_participation_monthly', 'opd_attribution': true}) }}
    window_source: the model whose newest month sets the window (`-- depends_on: {{ ref(...) }}`
    when the model does not read it); opd_attribution: the model stores an OPD code (below);
    window_month_column: the model's month column when it is not period_month (its unique_key
    then names its own grain); window_months: changed rebuilds only the months of the lookback
    whose inputs changed (int_participation_monthly: macros/participation_window.sql). Its SQL
    reads only the window's months: where {{ incremental_months_filter() }}.

    On an incremental run only the months from `lookback_months` before the newest month of the
    window source onwards are rebuilt (late and corrected files of those months are picked up);
    older months are kept as they are. A full refresh (or a first run) rebuilds everything.

    A backfill (the ucj_backfill DAG) sets the window instead, with two vars:
        reprocess_from_month: 'YYYY-MM-01'  rebuild the months from this one on (not the lookback)
        reprocess_kode_wilayah: '74.71'     and only this region's rows (others are kept as they are)
    No row of another region or of an earlier month is deleted or rewritten.

    Why a custom strategy and not dbt's microbatch: microbatch cuts the build into one query per
    batch (month) from a `begin` date and a lookback counted back from the run's clock, and
    filters every ref'd input that declares an event_time to that batch. Here the window starts
    `lookback_months` before the newest *export* month (not today's date), a lapse needs the
    region's previous export month (outside a one-month batch), a backfill may rebuild one region only
    (reprocess_kode_wilayah: microbatch has no second key), and a changed OPD attribution must
    rebuild every month (microbatch would need --full-refresh or a --event-time-start from the
    first month: one query per month of history). A strategy that deletes the window and inserts
    what one query built keeps all four and the plans of one set-based query.
-#}
{% macro incremental_months_filter(month_column='period_month', source_relation=none, source_month_column='period_month', region_column='kode_wilayah', opd_attribution=none) -%}
    {%- set from_month = var('reprocess_from_month', none) -%}
    {%- set region = var('reprocess_kode_wilayah', none) -%}
    {%- if execute and from_month and not modules.re.match('^\d{4}-\d{2}-01$', from_month | string) -%}
        {{ exceptions.raise_compiler_error("reprocess_from_month must be YYYY-MM-01, got " ~ from_month) }}
    {%- endif -%}
    {%- if execute and region and not modules.re.match('^\d{2}(\.\d{2})?$', region | string) -%}
        {{ exceptions.raise_compiler_error("reprocess_kode_wilayah must be a code such as 74.71, got " ~ region) }}
    {%- endif -%}
    {#- A full build, a first build, parse time (the model's meta is not readable yet: its refs
        come from its SQL) and unit tests (they see the test's config): every month. -#}
    {%- if not execute or not is_incremental() -%}
        {{ return('true') }}
    {%- endif -%}
    {%- if source_relation is none -%}
        {%- set source_relation = monthly_window_source() -%}
    {%- endif -%}
    {%- if opd_attribution is none -%}
        {%- set opd_attribution = config.meta_get('opd_attribution', false) -%}
    {%- endif -%}
    {%- if opd_attribution -%}({{ opd_attribution_changed() }} or {% endif -%}
    {%- if from_month -%}
        ({{ month_column }} >= cast('{{ from_month }}' as date)
        {%- if region %} and {{ region_column }} = '{{ region }}'{% endif -%})
    {%- elif config.meta_get('window_months', 'lookback') == 'changed' -%}
        {{ participation_window_months(month_column) }}
    {%- else -%}
        {{ month_column }} >= (
            select {{ add_months('max(' ~ source_month_column ~ ')', '-' ~ var('lookback_months')) }}
            from {{ source_relation }}
        )
    {%- endif -%}
    {%- if opd_attribution -%}){% endif -%}
{%- endmacro %}

{#- The model's month column: period_month, or the one its meta names (window_month_column:
    int_participant_status_latest keeps one row per person, with the month of their status). -#}
{% macro monthly_window_month_column() -%}
    {{ return(config.meta_get('window_month_column', 'period_month')) }}
{%- endmacro %}

{% macro monthly_window_source() -%}
    {%- set name = config.meta_get('window_source') -%}
    {%- if not name -%}
        {{ exceptions.raise_compiler_error("a monthly incremental model needs meta window_source (macros/incremental_months.sql)") }}
    {%- endif -%}
    {{ return(ref(name)) }}
{%- endmacro %}

{#- The strategy: delete the rows of the window (the months of incremental_months_filter, the
    backfill's region only), then delete+insert on the unique key. delete+insert alone replaces
    only the (kode_wilayah, period_month) the new rows name, so a month whose rows all disappear
    (a corrected export with no lapse left, a PKS roster withdrawn) would keep its old rows; with
    this the window is replaced whole, as a full refresh builds it. Runs after the new rows are
    built into the temporary table, so the model's SQL may not read its own table's window.
-#}
{% macro get_incremental_monthly_window_sql(arg_dict) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ incremental_months_filter(monthly_window_month_column()) }};
    {{ get_incremental_delete_insert_sql(arg_dict) }}
{%- endmacro %}

{#- Hooks of the idiom (dbt_project.yml): the OPD attribution's bookkeeping for the models that
    store an OPD code, and the window this build rebuilt (for the nightly tests). -#}
{% macro monthly_window_pre_hook() -%}
    {%- if execute and config.meta_get('opd_attribution', false) -%}
        {{ opd_attribution_prepare() }};
    {%- endif -%}
    {%- if execute and config.meta_get('window_months', 'lookback') == 'changed' -%}
        {{ participation_window_prepare() }}
    {%- endif -%}
{%- endmacro %}

{% macro monthly_window_post_hook() -%}
    {%- if execute -%}
        {{ record_incremental_window(monthly_window_month_column()) }}
        {%- if config.meta_get('opd_attribution', false) %};
        {{ opd_attribution_record() }}
        {%- endif -%}
        {%- if config.meta_get('window_months', 'lookback') == 'changed' %};
        {{ participation_window_record() }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- OPD attribution of incremental models (issue 15). A model that stores an OPD code (a
    billed_opd_code, an opd_code) keeps the months outside its window as they were built; when the
    config folder's aliases or the OPD reference change, those months would keep the old codes.
    opd_attribution_changed() is true when the fingerprint (int_opd_attribution_fingerprint)
    differs from the one this model was last built with; incremental_months_filter (meta
    opd_attribution: true) then rebuilds every month. The fingerprint a model was built with is kept
    in intermediate.opd_attribution_applied (hooks: opd_attribution_prepare before the model's
    delete, opd_attribution_record after it).
-#}
{% macro opd_attribution_table() -%}
    {{ ref('int_opd_attribution_fingerprint').schema }}.opd_attribution_applied
{%- endmacro %}

{% macro opd_attribution_changed() -%}
    (
        (select fingerprint from {{ ref('int_opd_attribution_fingerprint') }})
        is distinct from
        (select fingerprint from {{ opd_attribution_table() }} where model_name = '{{ this.schema }}.{{ this.identifier }}')
    )
{%- endmacro %}

{% macro opd_attribution_prepare() -%}
    create table if not exists {{ opd_attribution_table() }} (
        model_name text primary key,
        fingerprint text not null
    )
{%- endmacro %}

{% macro opd_attribution_record() -%}
    insert into {{ opd_attribution_table() }} (model_name, fingerprint)
    select '{{ this.schema }}.{{ this.identifier }}', fingerprint
    from {{ ref('int_opd_attribution_fingerprint') }}
    on conflict (model_name) do update set fingerprint = excluded.fingerprint;
    analyze {{ opd_attribution_table() }}
{%- endmacro %}

{#- The first month this build rebuilt, as the last line of the table's comment (read by the
    nightly-window tests, macros/tests/nightly_window.sql): `all` after a full refresh or a first
    build, the backfill's first month, else `lookback_months` before the newest month the table
    holds now (the window source's newest month, or an earlier one when that month gave no row:
    then the tests read more rows, never fewer). -#}
{% macro record_incremental_window(month_column='period_month') -%}
    {%- set from_month = 'all' -%}
    {%- if execute and is_incremental() -%}
        {%- if var('reprocess_from_month', none) -%}
            {%- set from_month = var('reprocess_from_month') | string -%}
        {%- else -%}
            {%- set newest -%}
                select {{ add_months('max(' ~ month_column ~ ')', '-' ~ var('lookback_months')) }}
                from {{ this }}
            {%- endset -%}
            {%- set value = run_query(newest).columns[0].values()[0] -%}
            {%- set from_month = value | string if value is not none else 'all' -%}
        {%- endif -%}
    {%- endif -%}
    {#- The window is the comment's last line: the lines before it, written by persist_docs (the
        marts' and restricted lists' descriptions, macros/docs/), stay. -#}
    do $ucj_window$
    declare
        relation regclass := to_regclass(quote_ident('{{ this.schema }}') || '.' || quote_ident('{{ this.identifier }}'));
        described text := regexp_replace(coalesce(obj_description(relation, 'pg_class'), ''), '\s*ucj incremental window: \S+$', '');
    begin
        execute format(
            'comment on table %s is %L', relation,
            case when described = '' then '' else described || E'\n' end || 'ucj incremental window: {{ from_month }}'
        );
    end
    $ucj_window$
{%- endmacro %}
