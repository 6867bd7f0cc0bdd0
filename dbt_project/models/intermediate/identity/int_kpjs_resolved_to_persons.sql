-- grain: one row per KPJ (BPJS card number) seen in participation or claims exports, with the
-- person it belongs to. A person is keyed on their NIK; a KPJ takes the NIK it is most often
-- listed with in participation exports (then claims), and when it is never listed with a NIK
-- the KPJ itself is the key ('KPJ:<kpj>').

with

listed as (
    select
        kpj,
        nik,
        1 as source_rank
    from {{ ref('stg_ucj__participants') }}
    where kpj is not null
    union all
    select
        kpj,
        nik,
        2 as source_rank
    from {{ ref('stg_ucj__claims') }}
    where kpj is not null
),

counted as (
    select
        kpj,
        nik,
        min(source_rank) as source_rank,
        count(*) as times_listed
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
