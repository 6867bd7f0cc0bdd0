-- The previous release's dim_region (one wage base column per year), a view over dim_region and
-- dim_region_wage_yearly for one release. Dropped in the next release.

with

regions as (
    select * from {{ ref('dim_region') }}
),

wages as (
    select * from {{ ref('dim_region_wage_yearly') }}
),

wide as (
    select
        kode_wilayah,
        max(wage_base_idr) filter (where wage_year = 2025) as wage_base_2025_idr,
        max(wage_base_idr) filter (where wage_year = 2026) as wage_base_2026_idr
    from wages
    group by kode_wilayah
),

final as (
    select
        regions.kode_wilayah,
        regions.parent_kode_wilayah,
        regions.region_name,
        regions.region_level,
        regions.wage_basis,
        wide.wage_base_2025_idr::numeric(14, 2) as wage_base_2025_idr,
        wide.wage_base_2026_idr::numeric(14, 2) as wage_base_2026_idr,
        regions.is_synthetic
    from regions
    left join wide on regions.kode_wilayah = wide.kode_wilayah
)

select * from final
