{#- The incremental window of a fact built by month: on an incremental run only the months
    from `lookback_months` before the newest month of `source_relation` onwards are rebuilt
    (late and corrected files of those months are picked up); older months are kept as they
    are. A full refresh (or a first run) rebuilds everything. Used in a where clause:
        where {{ incremental_months_filter('period_month', ref('stg_ucj__participants')) }}

    A backfill (the ucj_backfill DAG) sets the window instead, with two vars:
        reprocess_from_month: 'YYYY-MM-01'  rebuild the months from this one on (not the lookback)
        reprocess_kode_wilayah: '74.71'     and only this region's rows (others are kept as they are)
    With delete+insert on (kode_wilayah, period_month), no row of another region or of an
    earlier month is deleted or rewritten.
-#}
{% macro incremental_months_filter(month_column, source_relation, source_month_column='period_month', region_column='kode_wilayah', opd_attribution=false) -%}
    {%- set from_month = var('reprocess_from_month', none) -%}
    {%- set region = var('reprocess_kode_wilayah', none) -%}
    {%- if execute and from_month and not modules.re.match('^\d{4}-\d{2}-01$', from_month | string) -%}
        {{ exceptions.raise_compiler_error("reprocess_from_month must be YYYY-MM-01, got " ~ from_month) }}
    {%- endif -%}
    {%- if execute and region and not modules.re.match('^\d{2}(\.\d{2})?$', region | string) -%}
        {{ exceptions.raise_compiler_error("reprocess_kode_wilayah must be a code such as 74.71, got " ~ region) }}
    {%- endif -%}
    {%- if is_incremental() and opd_attribution -%}({{ opd_attribution_changed() }} or {% endif -%}
    {%- if is_incremental() and from_month -%}
        ({{ month_column }} >= cast('{{ from_month }}' as date)
        {%- if region %} and {{ region_column }} = '{{ region }}'{% endif -%})
    {%- elif is_incremental() -%}
        {{ month_column }} >= (
            select {{ add_months('max(' ~ source_month_column ~ ')', '-' ~ var('lookback_months')) }}
            from {{ source_relation }}
        )
    {%- else -%}
        true
    {%- endif -%}
    {%- if is_incremental() and opd_attribution -%}){% endif -%}
{%- endmacro %}

{#- Pre-hook of an incremental model built by month: delete the rows of the window it is about
    to rebuild (the months of incremental_months_filter, the backfill's region only). delete+insert
    alone replaces only the (kode_wilayah, period_month) the new rows name, so a month whose rows
    all disappear (a corrected export with no lapse left, a PKS roster withdrawn) would keep its
    old rows; with this the window is replaced whole, as a full refresh builds it. Nothing on a
    full refresh or first run. Only for models that do not read their own table.
-#}
{% macro delete_incremental_months(month_column, source_relation, source_month_column='period_month', opd_attribution=false) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ incremental_months_filter(month_column, source_relation, source_month_column, opd_attribution=opd_attribution) }}
    {%- endif -%}
{%- endmacro %}

{#- OPD attribution of incremental models (issue 15). A model that stores an OPD code (a
    billed_opd_code, an opd_code) keeps the months outside its window as they were built; when the
    config folder's aliases or the OPD reference change, those months would keep the old codes.
    opd_attribution_changed() is true when the fingerprint (int_opd_attribution_fingerprint)
    differs from the one this model was last built with; incremental_months_filter(...,
    opd_attribution=true) then rebuilds every month. The fingerprint a model was built with is kept
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
