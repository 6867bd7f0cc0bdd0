{{ config(meta={'window_source': 'int_participation_monthly', 'opd_attribution': true}) }}
-- grain: one row per region x OPD x month
-- Of the workers on each OPD's latest roster as of the month, who is an active BPJS
-- participant that month, and who is billed to the OPD without being on its roster.
-- Months: those with a participation export for the region. Every OPD the data names is here:
-- those the reference lacks under their unconfirmed code (is_confirmed = false), and those known
-- only by the employer name of BPJS lines (roster_workers 0, enrolled_not_on_roster counted).
-- All months are rebuilt when the OPD attribution changed (an alias merged an OPD into another).
-- depends_on: {{ ref('int_opd_attribution_fingerprint') }}

with

roster as (
    select * from {{ ref('int_opd_rosters_as_of_months') }}
    where has_participation_export
        and {{ incremental_months_filter() }}
),

active as (
    select * from {{ ref('int_participation_monthly') }}
    where is_active
        and {{ incremental_months_filter() }}
),

opds as (
    select * from {{ ref('int_opds') }}
),

regions as (
    select * from {{ ref('stg_reference__regions') }}
),

-- Who is active, and who is billed without being on the roster: EXISTS / NOT EXISTS probes on
-- indexes (int_participation_monthly: person_id, period_month, kode_wilayah;
-- int_opd_rosters_as_of_months: nik, period_month, kode_wilayah), not joins on three and four
-- columns that PostgreSQL estimates at 1 row (issue 17: such estimates chose nested loops over
-- tens of thousands of rows on both sides). A line with a NIK has person_id = its NIK
-- (int_participation_monthly: coalesce(nik, ...)), so person_id = nik finds every such line.
-- The probes need no month filter of their own: their month is the outer row's, in the window.
roster_checked as (
    select
        roster.kode_wilayah,
        roster.opd_code,
        roster.period_month,
        roster.nik,
        exists(
            {{ active_participant_probe('roster.nik', 'roster.period_month', 'roster.kode_wilayah') }}
        ) as is_enrolled_active
    from roster
),

roster_counts as (
    select
        kode_wilayah,
        opd_code,
        period_month,
        count(distinct nik) as roster_workers,
        count(distinct nik) filter (where is_enrolled_active) as enrolled_active
    from roster_checked
    group by 1, 2, 3
),

billed_not_on_roster as (
    select
        active.kode_wilayah,
        active.billed_opd_code as opd_code,
        active.period_month,
        count(distinct active.person_id) as enrolled_not_on_roster
    from active
    where active.billed_opd_code is not null
        and not exists (
            select 1
            from {{ ref('int_opd_rosters_as_of_months') }} as on_roster
            where on_roster.nik = active.nik
                and on_roster.period_month = active.period_month
                and on_roster.kode_wilayah = active.kode_wilayah
                and on_roster.opd_code = active.billed_opd_code
                and on_roster.has_participation_export
        )
    group by 1, 2, 3
),

combined as (
    select
        coalesce(roster_counts.kode_wilayah, billed_not_on_roster.kode_wilayah) as kode_wilayah,
        coalesce(roster_counts.opd_code, billed_not_on_roster.opd_code) as opd_code,
        coalesce(roster_counts.period_month, billed_not_on_roster.period_month) as period_month,
        coalesce(roster_counts.roster_workers, 0) as roster_workers,
        coalesce(roster_counts.enrolled_active, 0) as enrolled_active,
        coalesce(billed_not_on_roster.enrolled_not_on_roster, 0) as enrolled_not_on_roster
    from roster_counts
    full outer join billed_not_on_roster
        on roster_counts.kode_wilayah = billed_not_on_roster.kode_wilayah
        and roster_counts.opd_code = billed_not_on_roster.opd_code
        and roster_counts.period_month = billed_not_on_roster.period_month
),

final as (
    select
        combined.kode_wilayah,
        combined.opd_code,
        opds.opd_name,
        combined.period_month,
        combined.roster_workers::integer as roster_workers,
        combined.enrolled_active::integer as enrolled_active,
        (combined.roster_workers - combined.enrolled_active)::integer as not_enrolled,
        combined.enrolled_not_on_roster::integer as enrolled_not_on_roster,
        {{ pct('combined.enrolled_active', 'combined.roster_workers') }} as enrollment_pct,
        opds.is_confirmed,
        regions.region_name  -- last: appended to a table built before it existed
    from combined
    inner join opds on combined.opd_code = opds.opd_code
    left join regions on combined.kode_wilayah = regions.kode_wilayah
)

select * from final
