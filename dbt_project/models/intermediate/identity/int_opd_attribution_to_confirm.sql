-- grain: one row per region x thing a person should confirm about OPD attribution:
--   opd           an OPD the reference lacks, found in the data (unconfirmed): its rows count in
--                 the marts under its X- code; confirm or merge it with an alias line;
--   npp           an NPP nobody knows (config, reference, learned) on lines without an employer
--                 name: its people are active participants of no OPD; pair it with an npp_pairs line;
--   npp_conflict  an NPP whose lines name two or more OPDs: the pair chosen may be wrong.
-- With the evidence (roster workers, BPJS people, budget lines), the files, and the line to add to
-- the config folder's opd_aliases.yaml (effective on the next run, no code change). Read by
-- `ucj status` and the report's data-quality section.

with

opds as (
    select * from {{ ref('int_opds') }}
),

texts as (
    select * from {{ ref('int_opd_texts_matched_to_opds') }}
),

pairs as (
    select * from {{ ref('int_npp_opd_pairs') }}
),

files as (
    select * from {{ ref('stg_ucj__current_files') }}
),

-- The participation lines, summarised twice over all history: per file and employer
-- (int_participant_files: which files) and per person and employer (int_participant_keys: how
-- many people); each with the OPD its NPP or employer name bills.
participant_files as (
    select
        participants.kode_wilayah,
        participants.file_id,
        participants.npp_key,
        participants.employer_key,
        coalesce(pairs.opd_code, texts.opd_code) as opd_code
    from {{ ref('int_participant_files') }} as participants
    left join pairs
        on participants.kode_wilayah = pairs.kode_wilayah
        and participants.npp_key = pairs.npp
    left join texts
        on participants.kode_wilayah = texts.kode_wilayah
        and participants.employer_key = texts.opd_key
        and participants.employer_key <> ''
),

participant_people as (
    select
        participants.kode_wilayah,
        participants.person_id,
        participants.npp_key,
        participants.employer_key,
        coalesce(pairs.opd_code, texts.opd_code) as opd_code
    from {{ ref('int_participant_keys') }} as participants
    left join pairs
        on participants.kode_wilayah = pairs.kode_wilayah
        and participants.npp_key = pairs.npp
    left join texts
        on participants.kode_wilayah = texts.kode_wilayah
        and participants.employer_key = texts.opd_key
        and participants.employer_key <> ''
),

opd_people as (
    select
        opd_code,
        count(distinct person_id) as bpjs_people
    from participant_people
    where opd_code is not null
    group by opd_code
),

opd_evidence as (
    select
        opd_code,
        file_id,
        nik as person_id,
        'roster' as seen_in
    from {{ ref('int_roster_workers_matched_to_opds') }}
    union all
    select
        texts.opd_code,
        budgets.file_id,
        null as person_id,
        'budget' as seen_in
    from {{ ref('stg_ucj__budgets') }} as budgets
    inner join texts
        on budgets.kode_wilayah = texts.kode_wilayah
        and budgets.opd_key = texts.opd_key
    union all
    select
        opd_code,
        file_id,
        null as person_id,  -- the people: opd_people
        'bpjs' as seen_in
    from participant_files
    where opd_code is not null
),

unconfirmed as (
    select
        opds.kode_wilayah,
        'opd' as item_kind,
        opds.opd_code as item,
        opds.opd_name as item_name,
        count(distinct opd_evidence.person_id) filter (where opd_evidence.seen_in = 'roster') as roster_workers,
        coalesce(opd_people.bpjs_people, 0) as bpjs_people,
        count(*) filter (where opd_evidence.seen_in = 'budget') as budget_lines,
        array_agg(distinct files.relative_path order by files.relative_path) as files,
        '- {alias: "' || opds.opd_name || '", opd: "<kode OPD referensi, atau nama OPD baru>", kode_wilayah: "'
        || opds.kode_wilayah || '"}' as config_line
    from opds
    inner join opd_evidence on opds.opd_code = opd_evidence.opd_code
    inner join files on opd_evidence.file_id = files.file_id
    left join opd_people on opds.opd_code = opd_people.opd_code
    where not opds.is_confirmed
    group by opds.kode_wilayah, opds.opd_code, opds.opd_name, opd_people.bpjs_people
),

unknown_npp_people as (
    select
        kode_wilayah,
        npp_key,
        count(distinct person_id) as bpjs_people
    from participant_people
    where opd_code is null
        and npp_key is not null
    group by kode_wilayah, npp_key
),

unknown_npps as (
    select
        participants.kode_wilayah,
        'npp' as item_kind,
        participants.npp_key as item,
        null as item_name,
        0 as roster_workers,
        coalesce(unknown_npp_people.bpjs_people, 0) as bpjs_people,
        0 as budget_lines,
        array_agg(distinct files.relative_path order by files.relative_path) as files,
        '- {npp: "' || participants.npp_key || '", opd: "<kode OPD>", kode_wilayah: "'
        || participants.kode_wilayah || '"}' as config_line
    from participant_files as participants
    inner join files on participants.file_id = files.file_id
    left join unknown_npp_people
        on participants.kode_wilayah = unknown_npp_people.kode_wilayah
        and participants.npp_key = unknown_npp_people.npp_key
    where participants.opd_code is null
        and participants.npp_key is not null
    group by participants.kode_wilayah, participants.npp_key, unknown_npp_people.bpjs_people
    having bool_and(participants.employer_key = '')
),

conflict_people as (
    select
        participants.kode_wilayah,
        participants.npp_key,
        count(distinct participants.person_id) as bpjs_people
    from pairs
    inner join participant_people as participants
        on pairs.kode_wilayah = participants.kode_wilayah
        and pairs.npp = participants.npp_key
    where pairs.is_conflict
    group by participants.kode_wilayah, participants.npp_key
),

conflicts as (
    select
        pairs.kode_wilayah,
        'npp_conflict' as item_kind,
        pairs.npp as item,
        pairs.opd_code || ' (' || pairs.pair_source || '); named: ' || array_to_string(pairs.named_opd_codes, ', ')
            as item_name,
        0 as roster_workers,
        coalesce(conflict_people.bpjs_people, 0) as bpjs_people,
        0 as budget_lines,
        array_agg(distinct files.relative_path order by files.relative_path) as files,
        '- {npp: "' || pairs.npp || '", opd: "<kode OPD>", kode_wilayah: "' || pairs.kode_wilayah || '"}'
            as config_line
    from pairs
    inner join participant_files as participants
        on pairs.kode_wilayah = participants.kode_wilayah
        and pairs.npp = participants.npp_key
    inner join files on participants.file_id = files.file_id
    left join conflict_people
        on pairs.kode_wilayah = conflict_people.kode_wilayah
        and pairs.npp = conflict_people.npp_key
    where pairs.is_conflict
    group by
        pairs.kode_wilayah, pairs.npp, pairs.opd_code, pairs.pair_source, pairs.named_opd_codes,
        conflict_people.bpjs_people
),

final as (
    select * from unconfirmed
    union all
    select * from unknown_npps
    union all
    select * from conflicts
)

select * from final
