-- grain: one row per region x OPD text (normalised) seen in the data: roster lines (the OPD
-- column, filled from the title block or sheet when a line has none), the OPD a roster or budget
-- sheet's title block, sheet name or file name gives, budget lines, and the employer names of
-- BPJS participation and claims lines whose NPP is not known (config folder, reference). opd_text is the
-- spelling seen most often (the Pemda's own before BPJS's); the evidence columns say where and how much.

with

known_npps as (
    select
        kode_wilayah,
        name_key as npp_key
    from {{ ref('int_opd_config_entries') }}
    where entry_kind = 'npp'
    {% if var('reference_npps', true) %}
        union
        select
            kode_wilayah,
            npp as npp_key
        from {{ ref('stg_reference__opds') }}
        where npp is not null
    {% endif %}
),

roster_lines as (
    select
        kode_wilayah,
        opd_key,
        opd_text,
        'roster' as seen_in,
        count(*) as lines,
        count(distinct nik) as people,
        count(distinct file_id) as files
    from {{ ref('stg_ucj__rosters') }}
    where opd_key <> '' or not is_pekerja_rentan
    group by 1, 2, 3
),

sheet_texts as (
    select
        kode_wilayah,
        opd_key,
        opd_text,
        case source when 'rosters' then 'roster_title' else 'budget_title' end as seen_in,
        0 as lines,
        0 as people,
        count(distinct file_id) as files
    from {{ ref('stg_ucj__file_sheets') }}
    where opd_key <> ''
    group by 1, 2, 3, 4
),

budget_lines as (
    select
        kode_wilayah,
        opd_key,
        opd_text,
        'budget' as seen_in,
        count(*) as lines,
        0 as people,
        count(distinct file_id) as files
    from {{ ref('stg_ucj__budgets') }}
    group by 1, 2, 3
),

-- the participation lines come summarised: per file and employer (int_participant_files: lines,
-- files) and per person and employer (int_participant_keys: people), both over all history
bpjs_files as (
    select
        kode_wilayah,
        employer_key,
        employer_name,
        npp_key,
        file_id,
        lines
    from {{ ref('int_participant_files') }}
    union all
    select
        kode_wilayah,
        employer_key,
        employer_name,
        npp_key,
        file_id,
        1 as lines
    from {{ ref('stg_ucj__claims') }}
),

bpjs_people as (
    select
        kode_wilayah,
        employer_key,
        employer_name,
        npp_key,
        person_id
    from {{ ref('int_participant_keys') }}
    union all
    select
        kode_wilayah,
        employer_key,
        employer_name,
        npp_key,
        coalesce(nik, 'KPJ:' || kpj) as person_id
    from {{ ref('stg_ucj__claims') }}
),

employer_files as (
    select
        bpjs_files.kode_wilayah,
        bpjs_files.employer_key as opd_key,
        bpjs_files.employer_name as opd_text,
        sum(bpjs_files.lines)::bigint as lines,
        count(distinct bpjs_files.file_id) as files
    from bpjs_files
    left join known_npps
        on bpjs_files.kode_wilayah = known_npps.kode_wilayah
        and bpjs_files.npp_key = known_npps.npp_key
    where bpjs_files.employer_key <> ''
        and known_npps.npp_key is null
    group by 1, 2, 3
),

employer_people as (
    select
        bpjs_people.kode_wilayah,
        bpjs_people.employer_key as opd_key,
        bpjs_people.employer_name as opd_text,
        count(distinct bpjs_people.person_id) as people
    from bpjs_people
    left join known_npps
        on bpjs_people.kode_wilayah = known_npps.kode_wilayah
        and bpjs_people.npp_key = known_npps.npp_key
    where bpjs_people.employer_key <> ''
        and known_npps.npp_key is null
    group by 1, 2, 3
),

employer_lines as (
    select
        employer_files.kode_wilayah,
        employer_files.opd_key,
        employer_files.opd_text,
        'employer' as seen_in,
        employer_files.lines,
        coalesce(employer_people.people, 0) as people,
        employer_files.files
    from employer_files
    left join employer_people
        on employer_files.kode_wilayah = employer_people.kode_wilayah
        and employer_files.opd_key = employer_people.opd_key
        and employer_files.opd_text is not distinct from employer_people.opd_text
),

seen as (
    select * from roster_lines
    union all
    select * from sheet_texts
    union all
    select * from budget_lines
    union all
    select * from employer_lines
),

spellings as (
    select distinct on (kode_wilayah, opd_key)
        kode_wilayah,
        opd_key,
        opd_text
    from (
        select
            kode_wilayah,
            opd_key,
            opd_text,
            bool_or(seen_in <> 'employer') as is_pemda_spelling,
            sum(lines + files) as weight
        from seen
        where opd_text is not null
        group by 1, 2, 3
    ) as weighted
    -- the Pemda's own spelling (roster, budget) before BPJS's employer name
    order by kode_wilayah, opd_key, is_pemda_spelling desc, weight desc, opd_text
),

evidence as (
    select
        kode_wilayah,
        opd_key,
        array_agg(distinct seen_in order by seen_in) as seen_in,
        coalesce(sum(lines) filter (where seen_in = 'roster'), 0)::bigint as roster_lines,
        coalesce(sum(people) filter (where seen_in = 'roster'), 0)::bigint as roster_people,
        coalesce(sum(lines) filter (where seen_in = 'budget'), 0)::bigint as budget_lines,
        coalesce(sum(lines) filter (where seen_in = 'employer'), 0)::bigint as employer_lines,
        coalesce(sum(people) filter (where seen_in = 'employer'), 0)::bigint as employer_people,
        bool_or(seen_in <> 'employer') as is_seen_outside_bpjs
    from seen
    group by 1, 2
),

final as (
    select
        evidence.kode_wilayah,
        evidence.opd_key,
        coalesce(spellings.opd_text, '(OPD tidak disebut)') as opd_text,
        evidence.seen_in,
        evidence.roster_lines,
        evidence.roster_people,
        evidence.budget_lines,
        evidence.employer_lines,
        evidence.employer_people,
        evidence.is_seen_outside_bpjs
    from evidence
    left join spellings
        on evidence.kode_wilayah = spellings.kode_wilayah
        and evidence.opd_key = spellings.opd_key
)

select * from final
