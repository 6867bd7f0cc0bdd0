-- grain: one row per region x month x person who lapsed that month (AKTIF in the previous
-- export, not AKTIF in this one). Person-level, with NIK and KPJ: schema `restricted`.

with

lapsed as (
    select * from {{ ref('int_participants_lapsed_monthly') }}
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
