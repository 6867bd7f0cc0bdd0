-- Reconciliation (no worker dropped): per region and month with a participation export,
--   1. every valid NIK of the roster lines delivered for that month (staging) is on a roster in
--      force that month (int_opd_rosters_as_of_months), whatever its OPD text; and
--   2. the mart's roster_workers add up to the distinct (OPD, NIK) of the rosters in force.

with

export_months as (
    select distinct
        kode_wilayah,
        period_month
    from {{ ref('fct_opd_enrollment_monthly') }}
),

delivered as (
    select
        rosters.kode_wilayah,
        rosters.roster_month as period_month,
        count(distinct rosters.nik) as staging_workers
    from {{ ref('stg_ucj__rosters') }} as rosters
    inner join export_months
        on rosters.kode_wilayah = export_months.kode_wilayah
        and rosters.roster_month = export_months.period_month
    where rosters.nik is not null
    group by 1, 2
),

in_force as (
    select
        kode_wilayah,
        period_month,
        count(distinct nik) filter (where roster_month = period_month) as delivered_workers,
        count(distinct opd_code || '|' || nik) as opd_workers
    from {{ ref('int_opd_rosters_as_of_months') }}
    where has_participation_export
    group by 1, 2
),

mart as (
    select
        kode_wilayah,
        period_month,
        sum(roster_workers) as roster_workers
    from {{ ref('fct_opd_enrollment_monthly') }}
    group by 1, 2
),

checked as (
    select
        coalesce(mart.kode_wilayah, in_force.kode_wilayah, delivered.kode_wilayah) as kode_wilayah,
        coalesce(mart.period_month, in_force.period_month, delivered.period_month) as period_month,
        delivered.staging_workers,
        in_force.delivered_workers,
        in_force.opd_workers,
        mart.roster_workers
    from mart
    full outer join in_force
        on mart.kode_wilayah = in_force.kode_wilayah
        and mart.period_month = in_force.period_month
    full outer join delivered
        on coalesce(mart.kode_wilayah, in_force.kode_wilayah) = delivered.kode_wilayah
        and coalesce(mart.period_month, in_force.period_month) = delivered.period_month
)

select * from checked
where coalesce(staging_workers, 0) <> coalesce(delivered_workers, 0)
    or coalesce(opd_workers, 0) <> coalesce(roster_workers, 0)
