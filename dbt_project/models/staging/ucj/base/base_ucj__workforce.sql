-- grain: one row per segment line of the current version of every workforce file: raw.workforce
-- of the files base_ucj__current_files names, with the file's delivery time (seen_at). The one
-- join of the source; stg_ucj__workforce renames and casts.

select
    workforce.*,
    current_files.seen_at
from {{ source('raw', 'workforce') }} as workforce
inner join {{ ref('base_ucj__current_files') }} as current_files
    on workforce.file_id = current_files.file_id
