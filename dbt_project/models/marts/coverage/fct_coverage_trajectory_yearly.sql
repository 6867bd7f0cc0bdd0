-- grain: one row per region x year, from the year of the region's newest coverage figure to
-- 2045: the national target for the year (99.5 % by 2045, RPJPN) against the coverage the
-- region reaches if its active participants grow by var('trajectory_growth_pct') % a year
-- (the +20 %/year pace BPJS asks for), with the workforce held at the newest figure.

with

coverage as (
    select * from {{ ref('fct_coverage_monthly') }}
    where segment = 'ALL' and workers_total is not null
),

targets as (
    select * from {{ ref('int_coverage_targets_yearly') }}
),

regions as (
    select * from {{ ref('stg_reference__regions') }}
),

baseline as (
    select distinct on (kode_wilayah)
        kode_wilayah,
        period_month as baseline_month,
        extract(year from period_month)::integer as baseline_year,
        workers_total,
        active_participants,
        coverage_pct
    from coverage
    order by kode_wilayah asc, period_month desc
),

years as (
    select
        baseline.*,
        target_year
    from baseline
    cross join generate_series(baseline.baseline_year, 2045) as target_year
),

projected as (
    select
        years.kode_wilayah,
        regions.region_name,
        years.target_year,
        years.baseline_month,
        years.workers_total,
        years.active_participants as baseline_active_participants,
        least(
            round(
                years.active_participants
                * power(
                    1 + {{ var('trajectory_growth_pct') }} / 100.0,
                    years.target_year - years.baseline_year
                )::numeric
            ),
            years.workers_total
        ) as projected_active_participants,
        targets.target_pct
    from years
    left join targets on years.target_year = targets.target_year
    left join regions on years.kode_wilayah = regions.kode_wilayah
),

final as (
    select
        kode_wilayah,
        region_name,
        target_year,
        baseline_month,
        workers_total::bigint as workers_total,
        baseline_active_participants::bigint as baseline_active_participants,
        projected_active_participants::bigint as projected_active_participants,
        {{ pct('projected_active_participants', 'workers_total') }} as projected_coverage_pct,
        target_pct,
        ceil(workers_total * target_pct / 100)::bigint as target_participants,
        greatest(ceil(workers_total * target_pct / 100) - projected_active_participants, 0)::bigint
            as participants_short_of_target,
        projected_active_participants >= ceil(workers_total * target_pct / 100) as is_on_track
    from projected
)

select * from final
