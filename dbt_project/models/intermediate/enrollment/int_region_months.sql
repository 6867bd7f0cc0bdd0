-- grain: one row per region x month the warehouse reports on: every month with a
-- participation export, and every month of a fiscal year with a budget or a roster (the
-- budget needs the roster in force in months not yet exported).

with

participation_months as (
    select distinct
        kode_wilayah,
        period_month
    from {{ ref('int_participant_files') }}
),

years as (
    select distinct
        kode_wilayah,
        fiscal_year
    from {{ ref('stg_ucj__budgets') }}
    union
    select distinct
        kode_wilayah,
        extract(year from roster_month)::integer as fiscal_year
    from {{ ref('stg_ucj__rosters') }}
),

year_months as (
    select
        years.kode_wilayah,
        make_date(years.fiscal_year, month_number, 1) as period_month
    from years
    cross join generate_series(1, 12) as month_number
),

spine as (
    select
        coalesce(year_months.kode_wilayah, participation_months.kode_wilayah) as kode_wilayah,
        coalesce(year_months.period_month, participation_months.period_month) as period_month,
        participation_months.period_month is not null as has_participation_export
    from year_months
    full outer join participation_months
        on year_months.kode_wilayah = participation_months.kode_wilayah
        and year_months.period_month = participation_months.period_month
)

select * from spine
