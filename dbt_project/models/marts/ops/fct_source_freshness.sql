{{ config(materialized='view', meta={'security_invoker': false}) }}
-- grain: one row per Pemda x source (rosters, participants, claims, budgets, workforce) with a
-- loaded file: the newest period and the last time a file was loaded, read live from the file
-- registry (audit.files through stg_ucj__current_files) whenever it is queried, so a BI reader
-- sees that a source stopped arriving even when the marts were last built days ago.
-- A view that runs with its owner's rights (the registry is not granted to BI roles) and shows
-- a Pemda role only its own regions, as row-level security does on the tables: the filter is
-- in the view, which is a security barrier (a reader's own functions never see other rows).
-- Whether a source is late (its cadence and due day) is `ucj status`'s verdict.

with

files as (
    select * from {{ ref('stg_ucj__current_files') }}
),

regions as (
    select * from {{ ref('stg_reference__regions') }}
),

per_source as (
    select
        kode_wilayah,
        source,
        max(period) as latest_period,
        max(delivered_at) as last_loaded_at,
        count(*) as current_files
    from files
    group by 1, 2
),

final as (
    select
        per_source.kode_wilayah,
        regions.region_name,
        per_source.source,
        per_source.latest_period,
        per_source.current_files::integer as current_files,
        (
            (now() at time zone 'Asia/Makassar')::date
            - (per_source.last_loaded_at at time zone 'Asia/Makassar')::date
        )::integer as days_since_last_load,
        per_source.last_loaded_at
    from per_source
    left join regions on per_source.kode_wilayah = regions.kode_wilayah
    where {{ readable_region('per_source.kode_wilayah') }}
)

select * from final
