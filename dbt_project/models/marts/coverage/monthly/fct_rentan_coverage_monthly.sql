{{ config(meta={'window_source': 'int_participation_monthly', 'opd_attribution': true}) }}

-- grain: one row per region x PKS (cooperation agreement, by its first month) x category of
-- pekerja rentan x month of the PKS period with a participation export.
-- A PKS starts in the month of its pekerja rentan roster and runs var('pks_months') months
-- ("PKS Mei 2025 s.d. Mei 2026"); its workers are covered when they are active participants.
-- Incremental by month (the window of int_participation_monthly): a month's rows need the
-- rosters (read whole, small) and that month's active participants only. A corrected roster of
-- a month before the window also changes PKS months before the window: like every
-- incremental fact, a correction older than the window needs --full-refresh. All months are
-- rebuilt when the OPD attribution changed (an alias of the config folder).
-- depends_on: {{ ref('int_opd_attribution_fingerprint') }}
-- depends_on: {{ ref('int_participation_monthly') }} (the window source)

with

rentan_rosters as (
    select * from {{ ref('int_roster_workers_matched_to_opds') }}
    where is_pekerja_rentan and nik is not null
),

pks_workers as (
    select distinct
        kode_wilayah,
        opd_code,
        roster_month as pks_start_month,
        {{ add_months('roster_month', var('pks_months') ~ ' - 1') }} as pks_end_month,
        coalesce(vulnerable_category, 'tidak diketahui') as vulnerable_category,
        nik
    from rentan_rosters
    where opd_code is not null  -- a PKS is an OPD's: rows without one never joined their PKS
),

regions as (
    select * from {{ ref('stg_reference__regions') }}
),

months as (
    select * from {{ ref('int_region_months') }}
    where has_participation_export
        and {{ incremental_months_filter() }}
),

-- Whether the worker is an active participant of the month: an EXISTS probe on the
-- participation table's index (person_id, period_month, kode_wilayah) per worker and month, not
-- a join on three columns with the month's active NIKs. PostgreSQL guesses 1 row for that join
-- and chose a nested loop over the active-NIK aggregate (minutes at province scale; it needed
-- `set local enable_nestloop = off`, issue 17). A line with a NIK has person_id = its NIK
-- (int_participation_monthly: coalesce(nik, ...)), so person_id = nik finds every such line.
-- The month filter of the incremental window holds already: the probe's month is a month of
-- `months`.
worker_months as (
    select
        pks_workers.kode_wilayah,
        pks_workers.opd_code,
        pks_workers.pks_start_month,
        pks_workers.pks_end_month,
        pks_workers.vulnerable_category,
        pks_workers.nik,
        months.period_month,
        exists(
            {{ active_participant_probe('pks_workers.nik', 'months.period_month', 'months.kode_wilayah') }}
        ) as is_enrolled_active
    from pks_workers
    inner join months
        on pks_workers.kode_wilayah = months.kode_wilayah
        and months.period_month between pks_workers.pks_start_month and pks_workers.pks_end_month
),

counted as (
    select
        kode_wilayah,
        opd_code,
        pks_start_month,
        pks_end_month,
        vulnerable_category,
        period_month,
        count(distinct nik) as rentan_workers,
        count(distinct nik) filter (where is_enrolled_active) as enrolled_active
    from worker_months
    group by 1, 2, 3, 4, 5, 6
),

final as (
    select
        counted.kode_wilayah,
        counted.opd_code,
        counted.vulnerable_category,
        counted.pks_start_month,
        counted.pks_end_month,
        counted.period_month,
        counted.rentan_workers::integer as rentan_workers,
        counted.enrolled_active::integer as enrolled_active,
        (counted.rentan_workers - counted.enrolled_active)::integer as not_enrolled,
        {{ pct('counted.enrolled_active', 'counted.rentan_workers') }} as coverage_pct,
        regions.region_name  -- last: appended to a table built before it existed
    from counted
    left join regions on counted.kode_wilayah = regions.kode_wilayah
)

select * from final
