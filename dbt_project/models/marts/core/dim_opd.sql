-- grain: one row per OPD (Organisasi Perangkat Daerah)

with

opds as (
    select * from {{ ref('stg_reference__opds') }}
),

final as (
    select
        opd_code,
        kode_wilayah,
        npp,
        opd_name,
        opd_abbreviation,
        jkk_risk_class,
        is_synthetic
    from opds
)

select * from final
