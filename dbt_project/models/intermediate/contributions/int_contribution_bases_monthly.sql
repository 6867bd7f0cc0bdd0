-- grain: one row per region x OPD x month x worker on the OPD's roster in force that month:
-- what the contribution is computed on. Non-ASN are PU at the OPD's JKK risk class on their
-- roster wage (else the region's wage base of the year); pekerja rentan are BPU on their
-- declared income (the roster's upah, at least the BPU minimum the rates apply).

with

rosters as (
    select * from {{ ref('int_opd_rosters_as_of_months') }}
),

opds as (
    select * from {{ ref('stg_reference__opds') }}
),

regions as (
    select * from {{ ref('stg_reference__regions') }}
),

province as (
    select * from {{ ref('stg_reference__regions') }}
    where region_level = 'provinsi'
),

bases as (
    select
        rosters.kode_wilayah
        || '|'
        || rosters.opd_code
        || '|'
        || rosters.period_month
        || '|'
        || rosters.nik as basis_id,
        rosters.kode_wilayah,
        rosters.opd_code,
        rosters.nik,
        case when rosters.is_pekerja_rentan then 'BPU' else 'PU' end as segment,
        coalesce(opds.jkk_risk_class, 'sangat_rendah') as risk_class,
        coalesce(
            rosters.wage_idr,
            case
                when extract(year from rosters.period_month) >= 2026
                    then coalesce(regions.wage_base_2026_idr, province.wage_base_2026_idr)
                else coalesce(regions.wage_base_2025_idr, province.wage_base_2025_idr)
            end
        ) as wage_idr,
        null::numeric as contract_value_idr,
        rosters.period_month
    from rosters
    left join opds on rosters.opd_code = opds.opd_code
    left join regions on rosters.kode_wilayah = regions.kode_wilayah
    cross join province
)

select * from bases
