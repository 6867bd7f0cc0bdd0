-- grain: one row per read sheet of the current version of every roster and budget file, with
-- the OPD its title block, sheet name or file name gives (none: opd_text null).

with

source as (
    select * from {{ ref('base_ucj__file_sheets') }}
),

renamed as (
    select
        source.file_id,
        source.sheet_index,
        source.sheet,
        source.source,
        source.kode_wilayah,
        source.period,
        source.relative_path,
        source.file_name,
        nullif(trim(source.opd_text), '') as opd_text,
        {{ normalize_name('source.opd_text') }} as opd_key,
        source.opd_source,
        source.rows_loaded
    from source
    where source.status = 'read'
        and source.source in ('rosters', 'budgets')
)

select * from renamed
