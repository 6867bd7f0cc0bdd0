-- grain: one row per sheet of the current version of every file: audit.file_sheets of the
-- files base_ucj__current_files names, with the file's source, region, period and path. The
-- one join of the source; stg_ucj__file_sheets keeps the read sheets of rosters and budgets.

select
    file_sheets.*,
    current_files.source,
    current_files.kode_wilayah,
    current_files.period,
    current_files.relative_path,
    current_files.file_name
from {{ source('audit', 'file_sheets') }} as file_sheets
inner join {{ ref('base_ucj__current_files') }} as current_files
    on file_sheets.file_id = current_files.file_id
