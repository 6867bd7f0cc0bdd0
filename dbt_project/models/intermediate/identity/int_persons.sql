-- grain: one row per person, keyed on NIK across rosters and BPJS exports (KPJ as fallback
-- for a participant never listed with a NIK). participant_key is the pseudonym the marts use.

with

roster_people as (
    select
        nik as person_id,
        nik,
        min(roster_month) as first_seen_month,
        true as is_on_roster,
        false as is_bpjs_participant
    from {{ ref('stg_ucj__rosters') }}
    where nik is not null
    group by nik
),

participant_people as (
    select
        kpjs.person_id,
        kpjs.nik,
        min(participants.first_month) as first_seen_month,
        false as is_on_roster,
        true as is_bpjs_participant
    from {{ ref('int_participant_keys') }} as participants
    inner join {{ ref('int_kpjs_resolved_to_persons') }} as kpjs
        on participants.kpj = kpjs.kpj
    group by kpjs.person_id, kpjs.nik
    union all
    select
        person_id,
        nik,
        min(first_month) as first_seen_month,
        false as is_on_roster,
        true as is_bpjs_participant
    from {{ ref('int_participant_keys') }}
    where kpj is null
    group by person_id, nik
),

claim_people as (
    select
        kpjs.person_id,
        kpjs.nik,
        min(claims.export_month) as first_seen_month,
        false as is_on_roster,
        false as is_bpjs_participant
    from {{ ref('stg_ucj__claims') }} as claims
    inner join {{ ref('int_kpjs_resolved_to_persons') }} as kpjs
        on claims.kpj = kpjs.kpj
    group by kpjs.person_id, kpjs.nik
),

unioned as (
    select * from roster_people
    union all
    select * from participant_people
    union all
    select * from claim_people
),

persons as (
    select
        person_id,
        {{ participant_key('person_id') }} as participant_key,
        max(nik) as nik,
        min(first_seen_month) as first_seen_month,
        bool_or(is_on_roster) as is_on_roster,
        bool_or(is_bpjs_participant) as is_bpjs_participant
    from unioned
    group by person_id
)

select * from persons
