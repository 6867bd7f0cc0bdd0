-- grain: one row per year for the province (kode_wilayah 74): fct_coverage_trajectory_yearly's
-- rows of the Pemda with a coverage figure, added up. The percentage and the gap to the target
-- are recomputed from the sums (never averaged, and a Pemda ahead of the target offsets one
-- behind it, as in fct_coverage_province_monthly); regions_reporting says how many Pemda the
-- year holds. The report's province trajectory reads this table.

with

trajectory as (
    select * from {{ ref('fct_coverage_trajectory_yearly') }}
),

regions as (
    select * from {{ ref('stg_reference__regions') }}
),

province as (
    select * from regions
    where region_level = 'provinsi'
),

summed as (
    select
        target_year,
        count(distinct kode_wilayah) as regions_reporting,
        sum(workers_total) as workers_total,
        sum(baseline_active_participants) as baseline_active_participants,
        sum(projected_active_participants) as projected_active_participants,
        max(target_pct) as target_pct
    from trajectory
    group by 1
),

final as (
    select
        province.kode_wilayah,
        province.region_name,
        summed.target_year,
        summed.regions_reporting::integer as regions_reporting,
        summed.workers_total::bigint as workers_total,
        summed.baseline_active_participants::bigint as baseline_active_participants,
        summed.projected_active_participants::bigint as projected_active_participants,
        {{ pct('summed.projected_active_participants', 'summed.workers_total') }} as projected_coverage_pct,
        summed.target_pct,
        ceil(summed.workers_total * summed.target_pct / 100)::bigint as target_participants,
        greatest(ceil(summed.workers_total * summed.target_pct / 100) - summed.projected_active_participants, 0)::bigint
            as participants_short_of_target,
        summed.projected_active_participants >= ceil(summed.workers_total * summed.target_pct / 100) as is_on_track
    from summed
    cross join province
)

select * from final
