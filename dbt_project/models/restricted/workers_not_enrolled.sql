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
    -- not active that month: a NOT EXISTS probe on the participation table's index (person_id,
    -- period_month, kode_wilayah), not an anti-join on three columns with a CTE of active NIKs,
    -- which PostgreSQL estimates at 1 row (issue 17). A line with a NIK has person_id = its NIK.
    where not exists (
            {{ active_participant_probe('roster.nik', 'roster.period_month', 'roster.kode_wilayah') }}
        )
)

select * from final
