-- grain: one row per roster line of a current roster file, with the OPD it belongs to.
-- The OPD text (a column, else the title block, else the file name) is matched in
-- int_opd_texts_matched_to_opds; a pekerja rentan roster whose text names no OPD belongs to
-- the region's rentan programme (the `<PFX>-PR` OPD, the PKS employer account).

with

rosters as (
    select * from {{ ref('stg_ucj__rosters') }}
),

matched_texts as (
    select * from {{ ref('int_opd_texts_matched_to_opds') }}
),

rentan_programmes as (
    select
        kode_wilayah,
        min(opd_code) as opd_code
    from {{ ref('stg_reference__opds') }}
    where opd_code like '%-PR'
    group by kode_wilayah
),

matched as (
    select
        rosters.*,
        coalesce(
            matched_texts.opd_code,
            case when rosters.is_pekerja_rentan then rentan_programmes.opd_code end
        ) as opd_code
    from rosters
    left join matched_texts
        on rosters.kode_wilayah = matched_texts.kode_wilayah
        and rosters.opd_key = matched_texts.opd_key
    left join rentan_programmes
        on rosters.kode_wilayah = rentan_programmes.kode_wilayah
)

select * from matched
