-- The two summaries of the participation lines kept by file count the same lines: per region, the
-- lines of int_participant_keys (added up file by file, or rebuilt) equal those of the ledger
-- int_participant_files. Returns the regions that disagree. Both are small: cheap every night.

with

ledger as (
    select
        kode_wilayah,
        sum(lines) as lines
    from {{ ref('int_participant_files') }}
    group by kode_wilayah
),

keys as (
    select
        kode_wilayah,
        sum(lines) as lines
    from {{ ref('int_participant_keys') }}
    group by kode_wilayah
)

select
    coalesce(ledger.kode_wilayah, keys.kode_wilayah) as kode_wilayah,
    ledger.lines as ledger_lines,
    keys.lines as keys_lines
from ledger
full outer join keys on ledger.kode_wilayah = keys.kode_wilayah
where ledger.lines is distinct from keys.lines
