with

source as (
    select * from {{ ref('regions') }}
),

renamed as (
    select
        kode_wilayah::text as kode_wilayah,
        parent::text as parent_kode_wilayah,
        nama::text as region_name,
        level::text as region_level,
        wage_basis::text as wage_basis,
        wage_base_2025 as wage_base_2025_idr,
        wage_base_2026 as wage_base_2026_idr,
        verified = 'synthetic' as is_synthetic
    from source
)

select * from renamed
