-- grain: one row: a fingerprint of what decides which OPD a row belongs to beyond the rows
-- themselves: the config folder's aliases and NPP pairs, the OPD reference and var
-- reference_npps. The incremental models that carry an OPD code rebuild all their months when
-- it changed since their last build (macro opd_attribution_changed), so an alias that merges an
-- unconfirmed OPD into a reference OPD moves its rows there on the next run, old months included.

with

aliases as (
    select entry_kind || '|' || coalesce(kode_wilayah, '') || '|' || name_key || '|' || opd_target as entry
    from {{ ref('stg_ucj__opd_aliases') }}
),

opds as (
    select
        opd_code || '|' || kode_wilayah || '|' || coalesce(npp, '') || '|' || opd_name || '|'
        || coalesce(opd_abbreviation, '') as entry
    from {{ ref('stg_reference__opds') }}
),

entries as (
    select 'a:' || entry as entry from aliases
    union all
    select 'o:' || entry as entry from opds
    union all
    select 'v:reference_npps={{ var("reference_npps", true) }}' as entry
),

final as (
    select md5(string_agg(entry, chr(10) order by entry)) as fingerprint
    from entries
)

select * from final
