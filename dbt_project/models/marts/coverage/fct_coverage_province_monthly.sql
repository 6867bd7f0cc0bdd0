-- grain: one row per month x segment (PU, BPU, JAKON, ALL) for the province (kode_wilayah 74):
-- fct_coverage_monthly's rows of the Pemda that reported the month, added up. The percentages
-- are recomputed from the sums (never averaged): coverage_pct = sum(active) / sum(workers) x
-- 100; regions_reporting says how many Pemda the month holds (a Pemda that sent no export that
-- month is not in it). ALL is the sum of the three segments (is_total), as in the Pemda rows.

with

coverage as (
    select * from {{ ref('fct_coverage_monthly') }}
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
        period_month,
        segment,
        count(distinct kode_wilayah) as regions_reporting,
        sum(workers_total) as workers_total,
        sum(active_participants) as active_participants,
        sum(uncovered_workers) as uncovered_workers,
        max(target_pct) as target_pct
    from coverage
    group by 1, 2
),

final as (
    select
        province.kode_wilayah,
        province.region_name,
        summed.period_month,
        summed.segment,
        summed.regions_reporting::integer as regions_reporting,
        summed.workers_total::bigint as workers_total,
        summed.active_participants::bigint as active_participants,
        summed.uncovered_workers::bigint as uncovered_workers,
        {{ pct('summed.active_participants', 'summed.workers_total') }} as coverage_pct,
        summed.target_pct,
        greatest(ceil(summed.workers_total * summed.target_pct / 100) - summed.active_participants, 0)::bigint
            as participants_to_target,
        summed.segment = 'ALL' as is_total
    from summed
    cross join province
)

select * from final
