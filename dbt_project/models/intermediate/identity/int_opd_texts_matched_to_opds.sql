-- grain: one row per region x OPD text (normalised) of int_opd_texts, with the OPD it names.
-- In order: an alias of the config folder (opd_aliases.yaml); the reference OPD the matcher
-- scores best: the exact name or abbreviation; the longest OPD name the text contains ("DINAS
-- PEMADAM KEBAKARAN KOTA KENDARI" -> Dinas Pemadam Kebakaran); an OPD name the text begins
-- ("RUMAH SAKIT UMUM DAERAH" -> Rumah Sakit Umum Daerah Kota Kendari, when the title block lost
-- the place); the longest abbreviation of 5+ letters the text contains ("Pekerja Rentan
-- Nelayan"). A text that matches nothing becomes an unconfirmed OPD whose code derives from
-- the region and the normalised text (X-...): nothing is dropped. Exception: an employer name
-- seen only in BPJS exports that does not read as a government office (a company) names no OPD.

with

texts as (
    select * from {{ ref('int_opd_texts') }}
),

opds as (
    select * from {{ ref('stg_reference__opds') }}
),

aliases as (
    select * from {{ ref('int_opd_config_entries') }}
    where entry_kind = 'alias'
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
        and texts.opd_key <> ''
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
),

matched as (
    select
        texts.kode_wilayah,
        texts.opd_key,
        texts.opd_text,
        case
            when aliases.opd_code is not null then aliases.opd_code
            when best.opd_code is not null then best.opd_code
            when texts.is_seen_outside_bpjs or {{ is_government_name('texts.opd_key') }}
                then {{ unconfirmed_opd_code('texts.kode_wilayah', 'texts.opd_key') }}
        end as opd_code,
        case
            when aliases.opd_code is not null then 'alias'
            when best.opd_code is not null then 'name'
            when texts.is_seen_outside_bpjs or {{ is_government_name('texts.opd_key') }} then 'unconfirmed'
        end as match_method,
        coalesce(best.match_score, 0) as match_score,
        aliases.opd_code is not null or best.opd_code is not null as is_confirmed,
        aliases.new_opd_name as alias_opd_name,
        texts.seen_in,
        texts.roster_lines,
        texts.roster_people,
        texts.budget_lines,
        texts.employer_lines,
        texts.employer_people
    from texts
    left join aliases
        on texts.kode_wilayah = aliases.kode_wilayah
        and texts.opd_key = aliases.name_key
    left join best
        on texts.kode_wilayah = best.kode_wilayah
        and texts.opd_key = best.opd_key
),

final as (
    select * from matched
    where opd_code is not null
)

select * from final
