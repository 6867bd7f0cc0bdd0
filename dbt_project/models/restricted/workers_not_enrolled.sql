-- grain: one row per region x OPD x worker on the OPD's roster in force in the region's
-- newest export month who is not an active BPJS participant that month.
-- Person-level, with NIK and name, for the OPD to act on: schema `restricted`, never `marts`.

with

roster as (
    select * from {{ ref('int_opd_rosters_as_of_months') }}
    where has_participation_export
),

newest_month as (
    select
        kode_wilayah,
        max(period_month) as period_month
    from roster
    group by kode_wilayah
),

-- the newest month's export only: the work follows the newest month, not the whole history
active_niks as (
    select distinct
        participation.kode_wilayah,
        participation.period_month,
        participation.nik
    from {{ ref('int_participation_monthly') }} as participation
    inner join newest_month
        on participation.kode_wilayah = newest_month.kode_wilayah
        and participation.period_month = newest_month.period_month
    where participation.is_active and participation.nik is not null
),

final as (
    select
        roster.kode_wilayah,
        roster.opd_code,
        roster.nik,
        {{ participant_key('roster.nik') }} as participant_key,
        roster.worker_name,
        roster.employment_status,
        roster.vulnerable_category,
        roster.is_pekerja_rentan,
        roster.period_month,
        roster.roster_month
    from roster
    inner join newest_month
        on roster.kode_wilayah = newest_month.kode_wilayah
        and roster.period_month = newest_month.period_month
    left join active_niks
        on roster.kode_wilayah = active_niks.kode_wilayah
        and roster.period_month = active_niks.period_month
        and roster.nik = active_niks.nik
    where active_niks.nik is null
)

select * from final
