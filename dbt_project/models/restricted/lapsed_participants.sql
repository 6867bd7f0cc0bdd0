{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['kode_wilayah', 'period_month'],
        on_schema_change='append_new_columns',
        post_hook=[
            "{{ record_incremental_window(ref('int_participants_active_counts_monthly')) }}",
            "{{ opd_attribution_record() }}",
        ],
        pre_hook=[
            "{{ opd_attribution_prepare() }}",
            "{{ delete_incremental_months('period_month', ref('int_participants_active_counts_monthly'), opd_attribution=true) }}",
        ],
    )
}}
-- grain: one row per region x month x person who lapsed that month (AKTIF in the previous
-- export, not AKTIF in this one). Person-level, with NIK and KPJ: schema `restricted`.
-- Incremental by month, the window of int_participants_lapsed_monthly (all months when the OPD
-- attribution changed).
-- depends_on: {{ ref('int_opd_attribution_fingerprint') }}

with

lapsed as (
    select * from {{ ref('int_participants_lapsed_monthly') }}
    where {{ incremental_months_filter(
        'period_month', ref('int_participants_active_counts_monthly'), opd_attribution=true,
    ) }}
),

final as (
    select
        kode_wilayah,
        period_month,
        participant_key,
        nik,
        kpj,
        segment,
        billed_opd_code,
        is_listed_non_aktif,
        last_active_month
    from lapsed
)

select * from final
