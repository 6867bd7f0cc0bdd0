{{
    config(
        indexes=[{'columns': ['nik', 'period_month', 'kode_wilayah']}],
    )
}}
-- grain: one row per region x OPD x month x NIK on the OPD's latest roster as of that month.
-- A roster stays in force until the OPD sends a newer one. Months: int_region_months.
-- The index serves the NOT EXISTS probe of fct_opd_enrollment_monthly (billed, not on the roster).

with

roster_workers as (
    select * from {{ ref('int_roster_workers_matched_to_opds') }}
    where opd_code is not null and nik is not null
),

months as (
    select * from {{ ref('int_region_months') }}
),

roster_months as (
    select distinct
        kode_wilayah,
        opd_code,
        roster_month
    from roster_workers
),

latest_roster as (
    select
        months.kode_wilayah,
        months.period_month,
        months.has_participation_export,
        roster_months.opd_code,
        max(roster_months.roster_month) as roster_month
    from months
    inner join roster_months
        on months.kode_wilayah = roster_months.kode_wilayah
        and months.period_month >= roster_months.roster_month
    group by 1, 2, 3, 4
),

as_of as (
    select distinct on (
        latest_roster.kode_wilayah, latest_roster.opd_code, latest_roster.period_month, roster_workers.nik
    )
        latest_roster.kode_wilayah,
        latest_roster.opd_code,
        latest_roster.period_month,
        roster_workers.nik,
        roster_workers.worker_name,
        roster_workers.is_pekerja_rentan,
        roster_workers.vulnerable_category,
        roster_workers.employment_status,
        roster_workers.wage_idr,
        latest_roster.roster_month,
        latest_roster.has_participation_export
    from latest_roster
    inner join roster_workers
        on latest_roster.kode_wilayah = roster_workers.kode_wilayah
        and latest_roster.opd_code = roster_workers.opd_code
        and latest_roster.roster_month = roster_workers.roster_month
    order by
        latest_roster.kode_wilayah,
        latest_roster.opd_code,
        latest_roster.period_month,
        roster_workers.nik,
        roster_workers.wage_idr desc nulls last,
        roster_workers.file_id,
        roster_workers.source_row
)

select * from as_of
