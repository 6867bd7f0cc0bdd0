-- No double counting (issue 20): in fct_coverage_monthly and fct_lapsed_participants_monthly the
-- row flagged is_total (segment ALL) of a region and month equals the sum of its segment rows,
-- so a BI SUM over the rows where not is_total gives the same figure as the ALL row.

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

both_marts as (
    select * from coverage
    union all
    select * from lapsed
)

select * from both_marts
where total_rows <> 1 or total_row is distinct from coalesce(sum_of_segments, 0)
