-- grain: one row per OPD (Organisasi Perangkat Daerah): the reference list, and every OPD the
-- data names that the reference lacks (is_reference = false; is_confirmed = false until an
-- alias of the config folder confirms or merges it).

with

opds as (
    select * from {{ ref('int_opds') }}
),

final as (
    select
        opd_code,
        kode_wilayah,
        npp,
        opd_name,
        opd_abbreviation,
        jkk_risk_class,
        is_synthetic,
        is_confirmed,
        is_reference,
        is_npp_synthetic
    from opds
)

select * from final
