-- grain: one row per region x OPD text (normalised) found in rosters and budget lines, with
-- the OPD of the seed it names. Scores, best first: the exact name or abbreviation; the
-- longest OPD name the text contains ("DINAS PEMADAM KEBAKARAN KOTA KENDARI" -> Dinas
-- Pemadam Kebakaran); an OPD name the text begins ("RUMAH SAKIT UMUM DAERAH" -> Rumah Sakit
-- Umum Daerah Kota Kendari, when the title block lost the place); the longest abbreviation of
-- 5+ letters the text contains ("Pekerja Rentan Nelayan"). Texts that match nothing get no row.

with

texts as (
    select distinct
        kode_wilayah,
        opd_key
    from {{ ref('stg_ucj__rosters') }}
    where opd_key <> ''
    union
    select distinct
        kode_wilayah,
        opd_key
    from {{ ref('stg_ucj__budgets') }}
    where opd_key <> ''
),

opds as (
    select * from {{ ref('stg_reference__opds') }}
),

candidates as (
    select
        texts.kode_wilayah,
        texts.opd_key,
        opds.opd_code,
        case
            when texts.opd_key in (opds.opd_name_key, opds.opd_abbreviation_key) then 1000000
            when position(opds.opd_name_key in texts.opd_key) > 0 then 10000 + length(opds.opd_name_key)
            when length(texts.opd_key) >= 10 and opds.opd_name_key like texts.opd_key || '%'
                then 1000 + length(texts.opd_key)
            else length(opds.opd_abbreviation_key)
        end as match_score
    from texts
    inner join opds
        on texts.kode_wilayah = opds.kode_wilayah
        and (
            texts.opd_key in (opds.opd_name_key, opds.opd_abbreviation_key)
            or (opds.opd_name_key <> '' and position(opds.opd_name_key in texts.opd_key) > 0)
            or (length(texts.opd_key) >= 10 and opds.opd_name_key like texts.opd_key || '%')
            or (length(opds.opd_abbreviation_key) >= 5 and position(opds.opd_abbreviation_key in texts.opd_key) > 0)
        )
),

best as (
    select distinct on (kode_wilayah, opd_key)
        kode_wilayah,
        opd_key,
        opd_code,
        match_score
    from candidates
    order by kode_wilayah, opd_key, match_score desc, opd_code
)

select * from best
