-- No double counting (issue 20): in fct_coverage_monthly, fct_lapsed_participants_monthly and
-- fct_coverage_province_monthly the row flagged is_total (segment ALL) of a region and month
-- equals the sum of its segment rows, so a BI SUM over the rows where not is_total gives the same
-- figure as the ALL row; and each province row is the sum of the Pemda rows of its month.

with

coverage as (
    select
        'fct_coverage_monthly' as mart,
        kode_wilayah,
        period_month,
        sum(active_participants) filter (where is_total) as total_row,
        sum(active_participants) filter (where not is_total) as sum_of_segments,
        count(*) filter (where is_total) as total_rows
    from {{ ref('fct_coverage_monthly') }}
    group by 1, 2, 3
),

lapsed as (
    select
        'fct_lapsed_participants_monthly' as mart,
        kode_wilayah,
        period_month,
        sum(lapsed_participants) filter (where is_total) as total_row,
        sum(lapsed_participants) filter (where not is_total) as sum_of_segments,
        count(*) filter (where is_total) as total_rows
    from {{ ref('fct_lapsed_participants_monthly') }}
    group by 1, 2, 3
),

province as (
    select
        'fct_coverage_province_monthly' as mart,
        kode_wilayah,
        period_month,
        sum(active_participants) filter (where is_total) as total_row,
        sum(active_participants) filter (where not is_total) as sum_of_segments,
        count(*) filter (where is_total) as total_rows
    from {{ ref('fct_coverage_province_monthly') }}
    group by 1, 2, 3
),

-- the province's rows are the sums of the Pemda rows of the month, segment by segment
province_vs_regions as (
    select
        'fct_coverage_province_monthly vs fct_coverage_monthly (' || province_rows.segment || ')' as mart,
        province_rows.kode_wilayah,
        province_rows.period_month,
        province_rows.active_participants as total_row,
        sum(region_rows.active_participants) as sum_of_segments,
        0 as total_rows  -- every row here is a difference (having): reported as such
    from {{ ref('fct_coverage_province_monthly') }} as province_rows
    inner join {{ ref('fct_coverage_monthly') }} as region_rows
        on province_rows.period_month = region_rows.period_month
        and province_rows.segment = region_rows.segment
    group by 1, 2, 3, 4
    having province_rows.active_participants <> sum(region_rows.active_participants)
        or max(province_rows.workers_total) is distinct from sum(region_rows.workers_total)
),

both_marts as (
    select * from coverage
    union all
    select * from lapsed
    union all
    select * from province
    union all
    select * from province_vs_regions
)

select * from both_marts
where total_rows <> 1 or total_row is distinct from coalesce(sum_of_segments, 0)
