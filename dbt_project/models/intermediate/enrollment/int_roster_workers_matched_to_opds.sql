-- grain: one row per roster row of a current roster file, with the OPD it belongs to.
-- The OPD text (a column, else the title block, else the file name) is matched to the OPD
-- seed of the same region: exact name or abbreviation first, else the longest OPD name the
-- text contains ("DINAS PEMADAM KEBAKARAN KOTA KENDARI" -> Dinas Pemadam Kebakaran).

with

rosters as (
    select * from {{ ref('stg_ucj__rosters') }}
),

opds as (
    select * from {{ ref('stg_reference__opds') }}
),

candidates as (
    select
        rosters.file_id,
        rosters.source_row,
        opds.opd_code,
        case
            when rosters.opd_key in (opds.opd_name_key, opds.opd_abbreviation_key) then 1000000
            else length(opds.opd_name_key)
        end as match_score
    from rosters
    inner join opds
        on rosters.kode_wilayah = opds.kode_wilayah
        and (
            rosters.opd_key in (opds.opd_name_key, opds.opd_abbreviation_key)
            or (opds.opd_name_key <> '' and position(opds.opd_name_key in rosters.opd_key) > 0)
        )
),

best as (
    select distinct on (file_id, source_row)
        file_id,
        source_row,
        opd_code
    from candidates
    order by file_id, source_row, match_score desc, opd_code
),

matched as (
    select
        rosters.*,
        best.opd_code
    from rosters
    left join best
        on rosters.file_id = best.file_id
        and rosters.source_row = best.source_row
)

select * from matched
