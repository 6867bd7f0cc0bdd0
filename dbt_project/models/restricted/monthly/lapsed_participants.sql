{{ config(meta={'window_source': 'int_participants_active_counts_monthly', 'opd_attribution': true}) }}
-- grain: one row per region x month x person who lapsed that month (AKTIF in the previous
-- export, not AKTIF in this one). Person-level, with NIK and KPJ: schema `restricted`.
-- Incremental by month, the window of int_participants_lapsed_monthly (all months when the OPD
-- attribution changed).
-- depends_on: {{ ref('int_opd_attribution_fingerprint') }}
-- depends_on: {{ ref('int_participants_active_counts_monthly') }} (the window source)

with

lapsed as (
    select * from {{ ref('int_participants_lapsed_monthly') }}
    where {{ incremental_months_filter() }}
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
