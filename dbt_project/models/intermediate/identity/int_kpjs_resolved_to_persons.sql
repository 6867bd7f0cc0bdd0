-- grain: one row per KPJ (BPJS card number) seen in participation or claims exports, with the
-- person it belongs to. A person is keyed on their NIK; a KPJ takes the NIK it is most often
-- listed with in participation exports (then claims), and when it is never listed with a NIK
-- the KPJ itself is the key ('KPJ:<kpj>').

with

listed as (
    -- participation lines counted per KPJ and NIK already (int_participant_keys)
    select
        kpj,
        nik,
        1 as source_rank,
        sum(lines) as times_listed
    from {{ ref('int_participant_keys') }}
    where kpj is not null
    group by kpj, nik
    union all
    select
        kpj,
        nik,
        2 as source_rank,
        1 as times_listed
    from {{ ref('stg_ucj__claims') }}
    where kpj is not null
),

counted as (
    select
        kpj,
        nik,
        min(source_rank) as source_rank,
        sum(times_listed)::bigint as times_listed
    from listed
    group by kpj, nik
),

best as (
    select distinct on (kpj)
        kpj,
        nik
    from counted
    order by kpj, (nik is null), source_rank, times_listed desc, nik
),

resolved as (
    select
        kpj,
        nik,
        coalesce(nik, 'KPJ:' || kpj) as person_id
    from best
)

select * from resolved
