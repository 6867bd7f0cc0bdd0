-- grain: one row per region x month x person x billed OPD with status AKTIF in that month's
-- export (billed_opd_code is null for employers that are not an OPD).
-- A person is their NIK, else their KPJ (participants without a valid NIK are still people).

with

participants as (
    select * from {{ ref('stg_ucj__participants') }}
),

opds as (
    select * from {{ ref('stg_reference__opds') }}
),

active as (
    select
        participants.kode_wilayah,
        participants.period_month,
        coalesce(participants.nik, 'KPJ:' || participants.kpj) as person_id,
        participants.nik,
        participants.segment,
        opds.opd_code as billed_opd_code
    from participants
    left join opds
        on participants.npp = opds.npp
        and participants.kode_wilayah = opds.kode_wilayah
    where participants.is_active
),

distinct_rows as (
    select distinct * from active
)

select * from distinct_rows
