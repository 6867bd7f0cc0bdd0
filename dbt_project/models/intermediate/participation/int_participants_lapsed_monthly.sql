{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['kode_wilayah', 'period_month'],
        on_schema_change='append_new_columns',
        post_hook=[
            "{{ record_incremental_window(ref('int_participants_active_counts_monthly')) }}",
            "{{ opd_attribution_record() }}",
        ],
        pre_hook=[
            "{{ opd_attribution_prepare() }}",
            "{{ delete_incremental_months('period_month', ref('int_participants_active_counts_monthly'), opd_attribution=true) }}",
        ],
    )
}}
-- grain: one row per region x month x person who was AKTIF in the region's previous export
-- month and is not AKTIF in this one (listed NON AKTIF, or no longer listed): a lapse
-- (kepesertaan berhenti / menunggak).
-- Incremental by month: a month depends on its own export and the region's previous one, so
-- an incremental run reads the participation rows of the rebuilt months and of the month
-- before each (the export months come from the small active-counts table, not the big fact).
-- All months when the OPD attribution changed (billed_opd_code).
-- depends_on: {{ ref('int_opd_attribution_fingerprint') }}

with

region_months as (
    select distinct
        kode_wilayah,
        period_month
    from {{ ref('int_participants_active_counts_monthly') }}
),

all_months as (
    select
        kode_wilayah,
        period_month,
        lag(period_month) over (partition by kode_wilayah order by period_month) as previous_month
    from region_months
),

months as (
    select * from all_months
    where {{ incremental_months_filter(
        'period_month', ref('int_participants_active_counts_monthly'), opd_attribution=true,
    ) }}
),

months_read as (
    select
        kode_wilayah,
        period_month
    from months
    union
    select
        kode_wilayah,
        previous_month as period_month
    from months
    where previous_month is not null
),

participation as (
    select participation.*
    from {{ ref('int_participation_monthly') }} as participation
    inner join months_read
        on participation.kode_wilayah = months_read.kode_wilayah
        and participation.period_month = months_read.period_month
),

active_people as (
    select distinct on (kode_wilayah, period_month, person_id)
        kode_wilayah,
        period_month,
        person_id,
        participant_key,
        nik,
        kpj,
        segment,
        billed_opd_code
    from participation
    where is_active
    order by kode_wilayah, period_month, person_id, array_position(array['PU', 'JAKON', 'BPU'], segment), npp
),

listed_people as (
    select distinct
        kode_wilayah,
        period_month,
        person_id
    from participation
),

lapsed as (
    select
        months.kode_wilayah,
        months.period_month,
        previous.person_id,
        previous.participant_key,
        previous.nik,
        previous.kpj,
        previous.segment,
        previous.billed_opd_code,
        previous.period_month as last_active_month,
        listed.person_id is not null as is_listed_non_aktif
    from months
    inner join active_people as previous
        on months.kode_wilayah = previous.kode_wilayah
        and months.previous_month = previous.period_month
    left join active_people as still_active
        on months.kode_wilayah = still_active.kode_wilayah
        and months.period_month = still_active.period_month
        and previous.person_id = still_active.person_id
    left join listed_people as listed
        on months.kode_wilayah = listed.kode_wilayah
        and months.period_month = listed.period_month
        and previous.person_id = listed.person_id
    where still_active.person_id is null
)

select * from lapsed
