{{ config(meta={'window_source': 'int_participants_active_counts_monthly', 'opd_attribution': true}) }}
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
    where {{ incremental_months_filter() }}
),

-- The previous month's actives are read from the participation table by (kode_wilayah,
-- period_month) and the checks against this month are NOT EXISTS / EXISTS probes on it by
-- person_id (its index on person_id, period_month, kode_wilayah), not joins of CTEs on three
-- columns: PostgreSQL estimates such a join at 1 row, and on PostgreSQL 15 it ran a nested loop
-- over two CTEs of ~38k rows each for over an hour at demo scale (issue 17, bench/README.md).
-- Any plan of this form is an index probe per person: no plan depends on the estimates. The
-- table is named in each probe, not through a CTE: a CTE read three times is materialized,
-- without indexes.

previous as (
    select distinct on (months.kode_wilayah, months.period_month, participation.person_id)
        months.kode_wilayah,
        months.period_month,
        participation.person_id,
        participation.participant_key,
        participation.nik,
        participation.kpj,
        participation.segment,
        participation.billed_opd_code,
        participation.period_month as last_active_month
    from months
    inner join {{ ref('int_participation_monthly') }} as participation
        on months.kode_wilayah = participation.kode_wilayah
        and months.previous_month = participation.period_month
    where participation.is_active
    order by
        months.kode_wilayah, months.period_month, participation.person_id,
        array_position(array['PU', 'JAKON', 'BPU'], participation.segment), participation.npp
),

lapsed as (
    select
        previous.kode_wilayah,
        previous.period_month,
        previous.person_id,
        previous.participant_key,
        previous.nik,
        previous.kpj,
        previous.segment,
        previous.billed_opd_code,
        previous.last_active_month,
        exists(
            select 1
            from {{ ref('int_participation_monthly') }} as listed
            where listed.person_id = previous.person_id
                and listed.period_month = previous.period_month
                and listed.kode_wilayah = previous.kode_wilayah
        ) as is_listed_non_aktif
    from previous
    where not exists (
            select 1
            from {{ ref('int_participation_monthly') }} as still_active
            where still_active.person_id = previous.person_id
                and still_active.period_month = previous.period_month
                and still_active.kode_wilayah = previous.kode_wilayah
                and still_active.is_active
        )
)

select * from lapsed
