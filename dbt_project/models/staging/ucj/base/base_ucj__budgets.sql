-- grain: one row per line of the current version of every budget file: raw.budgets of the files
-- base_ucj__current_files names (a corrected re-delivery replaces the earlier version). The one
-- join of the source; stg_ucj__budgets renames and casts.

select budgets.*
from {{ source('raw', 'budgets') }} as budgets
inner join {{ ref('base_ucj__current_files') }} as current_files
    on budgets.file_id = current_files.file_id
