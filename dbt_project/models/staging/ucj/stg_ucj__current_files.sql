-- The version of each delivered file that the marts use: a corrected re-delivery at the
-- same path replaces the earlier one (which stays in raw and in audit.files as history).

with

files as (
    select * from {{ source('audit', 'files') }}
),

current_files as (
    select
        file_id,
        source,
        kode_wilayah,
        period,
        relative_path,
        file_name,
        seen_at as delivered_at
    from files
    where status = 'loaded' and is_current
)

select * from current_files
