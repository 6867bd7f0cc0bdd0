-- grain: one row per region x OPD x month x NIK on the OPD's latest roster as of that month.
-- Months are those with a participation export for the region: a roster stays in force
-- until the OPD sends a newer one.

with

roster_workers as (
    select * from {{ ref('int_roster_workers_matched_to_opds') }}
    where opd_code is not null and nik is not null
),

months as (
    select distinct
        kode_wilayah,
        period_month
    from {{ ref('stg_ucj__participants') }}
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
        roster_months.opd_code,
        max(roster_months.roster_month) as roster_month
    from months
    inner join roster_months
        on months.kode_wilayah = roster_months.kode_wilayah
        and roster_months.roster_month <= months.period_month
    group by 1, 2, 3
),

as_of as (
    select distinct
        latest_roster.kode_wilayah,
        latest_roster.opd_code,
        latest_roster.period_month,
        roster_workers.nik
    from latest_roster
    inner join roster_workers
        on latest_roster.kode_wilayah = roster_workers.kode_wilayah
        and latest_roster.opd_code = roster_workers.opd_code
        and latest_roster.roster_month = roster_workers.roster_month
)

select * from as_of
