-- grain: one row per file the marts use: the current version of each delivered file (a
-- corrected re-delivery at the same path replaces the earlier one, which stays in raw and in
-- audit.files as history). Only files of a region of the reference (a kabupaten or kota of
-- regions.csv): a folder named after no Pemda (74.99, 74) never reaches the marts (the landing
-- refuses them too). Every base_ucj__ model keeps the rows of these files (the one place this
-- rule lives); stg_ucj__current_files renames.

with

files as (
    select * from {{ source('audit', 'files') }}
),

regions as (
    select * from {{ ref('stg_reference__regions') }}
    where region_level in ('kabupaten', 'kota')
),

current_files as (
    select files.*
    from files
    inner join regions on files.kode_wilayah = regions.kode_wilayah
    where files.status = 'loaded' and files.is_current
)

select * from current_files
