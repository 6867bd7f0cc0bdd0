-- grain: one row per roster line of the current version of every roster file: raw.rosters of the
-- files base_ucj__current_files names (a corrected re-delivery replaces the earlier version). The
-- one join of the source; stg_ucj__rosters renames and casts.

select rosters.*
from {{ source('raw', 'rosters') }} as rosters
inner join {{ ref('base_ucj__current_files') }} as current_files
    on rosters.file_id = current_files.file_id
