-- The planner guesses 1 row for PKS x month x worker (three correlated join columns) and, with
-- that guess, walks the active-NIK aggregate once per outer row: minutes at province scale
-- (bench/README.md). No nested loops in this model's transaction.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['kode_wilayah', 'period_month'],
        on_schema_change='append_new_columns',
        pre_hook=[
            "set local enable_nestloop = off",
            "{{ opd_attribution_prepare() }}",
            "{{ delete_incremental_months('period_month', ref('int_participation_monthly'), opd_attribution=true) }}",
        ],
        post_hook=["{{ opd_attribution_record() }}"],
    )
}}

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

with

rentan_rosters as (
    select * from {{ ref('int_roster_workers_matched_to_opds') }}
    where is_pekerja_rentan and nik is not null
),

pks as (
    select distinct
        kode_wilayah,
        opd_code,
        roster_month as pks_start_month,
        {{ add_months('roster_month', var('pks_months') ~ ' - 1') }} as pks_end_month
    from rentan_rosters
),

pks_workers as (
    select distinct
        rentan_rosters.kode_wilayah,
        rentan_rosters.opd_code,
        rentan_rosters.roster_month as pks_start_month,
        coalesce(rentan_rosters.vulnerable_category, 'tidak diketahui') as vulnerable_category,
        rentan_rosters.nik
    from rentan_rosters
),

months as (
    select * from {{ ref('int_region_months') }}
    where has_participation_export
        and {{ incremental_months_filter('period_month', ref('int_participation_monthly'), opd_attribution=true) }}
),

active_niks as (
    select distinct
        kode_wilayah,
        period_month,
        nik
    from {{ ref('int_participation_monthly') }}
    where is_active and nik is not null
        and {{ incremental_months_filter('period_month', ref('int_participation_monthly'), opd_attribution=true) }}
),

pks_months as (
    select
        pks.kode_wilayah,
        pks.opd_code,
        pks.pks_start_month,
        pks.pks_end_month,
        months.period_month
    from pks
    inner join months
        on pks.kode_wilayah = months.kode_wilayah
        and months.period_month between pks.pks_start_month and pks.pks_end_month
),

counted as (
    select
        pks_months.kode_wilayah,
        pks_months.opd_code,
        pks_months.pks_start_month,
        pks_months.pks_end_month,
        pks_workers.vulnerable_category,
        pks_months.period_month,
        count(distinct pks_workers.nik) as rentan_workers,
        count(distinct active_niks.nik) as enrolled_active
    from pks_months
    inner join pks_workers
        on pks_months.kode_wilayah = pks_workers.kode_wilayah
        and pks_months.opd_code = pks_workers.opd_code
        and pks_months.pks_start_month = pks_workers.pks_start_month
    left join active_niks
        on pks_months.kode_wilayah = active_niks.kode_wilayah
        and pks_months.period_month = active_niks.period_month
        and pks_workers.nik = active_niks.nik
    group by 1, 2, 3, 4, 5, 6
),

final as (
    select
        kode_wilayah,
        opd_code,
        vulnerable_category,
        pks_start_month,
        pks_end_month,
        period_month,
        rentan_workers::integer as rentan_workers,
        enrolled_active::integer as enrolled_active,
        (rentan_workers - enrolled_active)::integer as not_enrolled,
        {{ pct('enrolled_active', 'rentan_workers') }} as coverage_pct
    from counted
)

select * from final
