-- grain: one row per Kemendagri region x year with a wage base: the monthly minimum wage the
-- contributions of non-ASN without a roster wage are computed on (upah minimum: UMK where the
-- region has one, else the province's UMP). Long format: a year added to the reference (a
-- wage_base_<year> column of seeds/regions.csv) becomes rows here with no change to this model.

with

regions as (
    select * from {{ ref('stg_reference__regions') }}
),

province as (
    select * from regions
    where region_level = 'provinsi'
),

region_years as (
    select
        regions.kode_wilayah,
        substring(wage.key from '^wage_base_(\d{4})_idr$')::integer as wage_year,
        wage.value::numeric as wage_base_idr
    from regions
    cross join lateral jsonb_each_text(to_jsonb(regions)) as wage
    where wage.key ~ '^wage_base_\d{4}_idr$'
),

province_years as (
    select
        region_years.wage_year,
        region_years.wage_base_idr
    from region_years
    inner join province on region_years.kode_wilayah = province.kode_wilayah
),

final as (
    select
        regions.kode_wilayah,
        regions.region_name,
        coalesce(regions.wage_basis, 'UMP') as wage_basis,
        province_years.wage_year,
        coalesce(region_years.wage_base_idr, province_years.wage_base_idr)::numeric(14, 2) as wage_base_idr,
        regions.is_synthetic
    from regions
    cross join province_years
    left join region_years
        on regions.kode_wilayah = region_years.kode_wilayah
        and province_years.wage_year = region_years.wage_year
)

select * from final
