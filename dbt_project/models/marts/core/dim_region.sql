-- grain: one row per Kemendagri region (province, kabupaten/kota, kecamatan)
-- A region without its own wage base (UMK) uses the province's UMP.

with

regions as (
    select * from {{ ref('stg_reference__regions') }}
),

province as (
    select * from regions
    where region_level = 'provinsi'
),

final as (
    select
        regions.kode_wilayah,
        regions.parent_kode_wilayah,
        regions.region_name,
        regions.region_level,
        coalesce(regions.wage_basis, 'UMP') as wage_basis,
        coalesce(regions.wage_base_2025_idr, province.wage_base_2025_idr)::numeric(14, 2) as wage_base_2025_idr,
        coalesce(regions.wage_base_2026_idr, province.wage_base_2026_idr)::numeric(14, 2) as wage_base_2026_idr,
        regions.is_synthetic
    from regions
    cross join province
)

select * from final
