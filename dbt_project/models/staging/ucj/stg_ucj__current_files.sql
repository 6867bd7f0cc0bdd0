-- grain: one row per file the marts use (the current version of each delivered file of a
-- region of the reference: base_ucj__current_files).

with

source as (
    select * from {{ ref('base_ucj__current_files') }}
),

renamed as (
    select
        source.file_id,
        source.source,
        source.kode_wilayah,
        source.period,
        source.relative_path,
        source.file_name,
        source.seen_at as delivered_at
    from source
)

select * from renamed
