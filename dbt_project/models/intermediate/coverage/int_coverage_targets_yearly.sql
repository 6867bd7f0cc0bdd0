-- grain: one row per year from 2020 to 2045: the national coverage target, interpolated
-- linearly between the published years of the trajectory (RPJMN 2025 32.15 %, RKP 2026
-- 34.99 %, RPJMN 2029 43.92 %, RPJPN 2045 99.50 %); before the first published year, the
-- first target.

with

targets as (
    select * from {{ ref('stg_reference__coverage_targets') }}
    where target_scope = 'national'
),

years as (
    select generate_series(2020, 2045) as target_year
),

bracketed as (
    select
        years.target_year,
        (
            select max(targets.target_year) from targets
            where targets.target_year <= years.target_year
        ) as year_before,
        (
            select min(targets.target_year) from targets
            where targets.target_year >= years.target_year
        ) as year_after
    from years
),

interpolated as (
    select
        bracketed.target_year,
        round(
            case
                when before_target.target_year is null then after_target.target_pct
                when after_target.target_year is null or after_target.target_year = before_target.target_year
                    then before_target.target_pct
                else before_target.target_pct
                    + (after_target.target_pct - before_target.target_pct)
                    * (bracketed.target_year - before_target.target_year)
                    / (after_target.target_year - before_target.target_year)::numeric
            end,
            2
        )::numeric(5, 2) as target_pct,
        before_target.target_year = bracketed.target_year as is_published_year
    from bracketed
    left join targets as before_target on bracketed.year_before = before_target.target_year
    left join targets as after_target on bracketed.year_after = after_target.target_year
)

select * from interpolated
