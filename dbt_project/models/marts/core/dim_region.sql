-- grain: one row per Kemendagri region (province, kabupaten/kota, kecamatan)
-- The wage bases per year are long, in dim_region_wage_yearly (dim_region_v1 keeps the previous
-- release's wage_base_<year>_idr columns for one release).

with

regions as (
    select * from {{ ref('stg_reference__regions') }}
),

final as (
    select
        kode_wilayah,
        parent_kode_wilayah,
        region_name,
        region_level,
        coalesce(wage_basis, 'UMP') as wage_basis,
        is_synthetic
    from regions
)

select * from final
