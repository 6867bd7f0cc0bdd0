-- grain: one row per line of the current version of every participation export: raw.participants
-- of the files base_ucj__current_files names (a corrected re-delivery replaces the earlier
-- version). The one join of the source; stg_ucj__participants renames and casts.

select participants.*
from {{ source('raw', 'participants') }} as participants
inner join {{ ref('base_ucj__current_files') }} as current_files
    on participants.file_id = current_files.file_id
