-- grain: one row per region x NPP (employer account) that belongs to an OPD, with where the
-- pair comes from and its evidence in the participation exports. In order: an npp_pairs entry
-- of the config folder; the reference (seeds/opd.csv, while var reference_npps is true: its
-- NPPs are synthetic); learned from the data: the OPD the employer names of the NPP's lines
-- name (int_opd_texts_matched_to_opds), the one with the most lines. is_conflict: the lines of
-- one NPP name two or more OPDs (or another OPD than the config/reference one): to check.

with

-- the participation lines per file, month, NPP and employer name (int_participant_files): the
-- same counts as the lines themselves, in a fraction of the rows
participants as (
    select * from {{ ref('int_participant_files') }}
    where npp_key is not null
),

texts as (
    select * from {{ ref('int_opd_texts_matched_to_opds') }}
),

config_pairs as (
    select
        kode_wilayah,
        name_key as npp_key,
        opd_code
    from {{ ref('int_opd_config_entries') }}
    where entry_kind = 'npp'
),

reference_pairs as (
    select
        kode_wilayah,
        npp as npp_key,
        opd_code
    from {{ ref('stg_reference__opds') }}
    where npp is not null and {{ var('reference_npps', true) }}
),

named_lines as (
    select
        participants.kode_wilayah,
        participants.npp_key,
        texts.opd_code,
        sum(participants.lines)::bigint as lines,
        count(distinct participants.period_month) as months,
        min(participants.period_month) as first_month,
        max(participants.period_month) as last_month
    from participants
    inner join texts
        on participants.kode_wilayah = texts.kode_wilayah
        and participants.employer_key = texts.opd_key
    group by 1, 2, 3
),

all_lines as (
    select
        kode_wilayah,
        npp_key,
        sum(lines)::bigint as lines,
        count(distinct period_month) as months,
        min(period_month) as first_month,
        max(period_month) as last_month
    from participants
    group by 1, 2
),

learned as (
    select distinct on (kode_wilayah, npp_key)
        kode_wilayah,
        npp_key,
        opd_code,
        lines as named_lines
    from named_lines
    order by kode_wilayah, npp_key, lines desc, opd_code
),

candidates as (
    select
        kode_wilayah,
        npp_key,
        array_agg(distinct opd_code order by opd_code) as named_opd_codes
    from named_lines
    group by 1, 2
),

keys as (
    select
        kode_wilayah,
        npp_key
    from config_pairs
    union
    select
        kode_wilayah,
        npp_key
    from reference_pairs
    union
    select
        kode_wilayah,
        npp_key
    from learned
),

final as (
    select
        keys.kode_wilayah,
        keys.npp_key as npp,
        coalesce(config_pairs.opd_code, reference_pairs.opd_code, learned.opd_code) as opd_code,
        case
            when config_pairs.opd_code is not null then 'config'
            when reference_pairs.opd_code is not null then 'reference'
            else 'learned'
        end as pair_source,
        coalesce(candidates.named_opd_codes, array[]::text[]) as named_opd_codes,
        coalesce(all_lines.lines, 0)::bigint as lines,
        coalesce(learned.named_lines, 0)::bigint as named_lines,
        coalesce(all_lines.months, 0)::integer as months,
        exists(
            select 1
            from unnest(coalesce(candidates.named_opd_codes, array[]::text[])) as named (opd_code)
            where named.opd_code <> coalesce(config_pairs.opd_code, reference_pairs.opd_code, learned.opd_code)
        ) as is_conflict,
        all_lines.first_month,
        all_lines.last_month
    from keys
    left join config_pairs
        on keys.kode_wilayah = config_pairs.kode_wilayah
        and keys.npp_key = config_pairs.npp_key
    left join reference_pairs
        on keys.kode_wilayah = reference_pairs.kode_wilayah
        and keys.npp_key = reference_pairs.npp_key
    left join learned
        on keys.kode_wilayah = learned.kode_wilayah
        and keys.npp_key = learned.npp_key
    left join candidates
        on keys.kode_wilayah = candidates.kode_wilayah
        and keys.npp_key = candidates.npp_key
    left join all_lines
        on keys.kode_wilayah = all_lines.kode_wilayah
        and keys.npp_key = all_lines.npp_key
)

select * from final
