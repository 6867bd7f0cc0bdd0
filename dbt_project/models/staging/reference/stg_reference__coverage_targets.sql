-- grain: one row per scope (national or a kode_wilayah) x year with a published target.

with

source as (
    select * from {{ ref('coverage_targets') }}
),

renamed as (
    select
        scope::text as target_scope,
        source::text as target_source,
        year::integer as target_year,
        target_pct::numeric(5, 2) as target_pct
    from source
)

select * from renamed
