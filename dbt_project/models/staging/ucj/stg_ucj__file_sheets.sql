-- grain: one row per read sheet of the current version of every roster and budget file, with
-- the OPD its title block, sheet name or file name gives (none: opd_text null).

with

source as (
    select * from {{ source('audit', 'file_sheets') }}
),

current_files as (
    select * from {{ ref('stg_ucj__current_files') }}
),

renamed as (
    select
        source.file_id,
        source.sheet_index,
        source.sheet,
        current_files.source,
        current_files.kode_wilayah,
        current_files.period,
        current_files.relative_path,
        current_files.file_name,
        nullif(trim(source.opd_text), '') as opd_text,
        {{ normalize_name('source.opd_text') }} as opd_key,
        source.opd_source,
        source.rows_loaded
    from source
    inner join current_files on source.file_id = current_files.file_id
    where source.status = 'read'
        and current_files.source in ('rosters', 'budgets')
)

select * from renamed
