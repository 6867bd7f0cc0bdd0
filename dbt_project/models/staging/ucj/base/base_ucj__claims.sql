-- grain: one row per line of the current version of every claims export: raw.claims of the files
-- base_ucj__current_files names (a corrected re-delivery replaces the earlier version). The one
-- join of the source; stg_ucj__claims renames and casts.

select claims.*
from {{ source('raw', 'claims') }} as claims
inner join {{ ref('base_ucj__current_files') }} as current_files
    on claims.file_id = current_files.file_id
