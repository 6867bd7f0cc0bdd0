-- grain: one row per Pemda x fiscal year, and one per fiscal year for the province (kode_wilayah
-- 74, is_total): the budget of fct_budget_yearly summed over OPDs, then over Pemda.
-- Fiscal years: those with a budget line or a coverage month. A Pemda is expected to deliver a
-- budget every such year once it delivers data at all (a row in fct_budget_yearly of any year,
-- or a coverage figure); a Pemda without a budget line of
-- the year has a row with has_budget = false, and the province row names it
-- (regions_missing_budget). Every figure of the province row is the sum of its Pemda's rows
-- (singular test assert_budget_province_is_sum_of_regions): sum the rows where not is_total,
-- or read the province row, never both.
-- required_idr, shortfall_idr and surplus_idr cover the OPDs with a roster (has_roster); the pagu
-- of OPDs without one is budgeted_without_roster_idr, compared with nothing.

with

budget as (
    select * from {{ ref('fct_budget_yearly') }}
),

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

expected_regions as (
    select kode_wilayah from budget
    union
    select kode_wilayah from coverage
),

fiscal_years as (
    select fiscal_year from budget
    union
    select extract(year from period_month)::integer as fiscal_year from coverage
),

per_region as (
    select
        kode_wilayah,
        fiscal_year,
        sum(budgeted_idr) as budgeted_idr,
        sum(budgeted_workers) as budgeted_workers,
        sum(required_idr) as required_idr,
        sum(budgeted_idr) filter (where has_roster) as budgeted_with_roster_idr,
        sum(budgeted_idr) filter (where not has_roster) as budgeted_without_roster_idr,
        sum(shortfall_idr) as shortfall_idr,
        sum(surplus_idr) as surplus_idr,
        sum(billed_idr) as billed_idr,
        sum(paid_idr) as paid_idr,
        count(*) filter (where has_budget) as opds_with_budget,
        count(*) filter (where has_budget and not has_roster) as opds_without_roster
    from budget
    group by 1, 2
),

region_years as (
    select
        expected_regions.kode_wilayah,
        regions.region_name,
        fiscal_years.fiscal_year,
        coalesce(per_region.budgeted_idr, 0) as budgeted_idr,
        coalesce(per_region.budgeted_workers, 0) as budgeted_workers,
        coalesce(per_region.required_idr, 0) as required_idr,
        coalesce(per_region.budgeted_with_roster_idr, 0) as budgeted_with_roster_idr,
        coalesce(per_region.budgeted_without_roster_idr, 0) as budgeted_without_roster_idr,
        coalesce(per_region.shortfall_idr, 0) as shortfall_idr,
        coalesce(per_region.surplus_idr, 0) as surplus_idr,
        coalesce(per_region.billed_idr, 0) as billed_idr,
        coalesce(per_region.paid_idr, 0) as paid_idr,
        coalesce(per_region.opds_with_budget, 0) as opds_with_budget,
        coalesce(per_region.opds_without_roster, 0) as opds_without_roster,
        case when coalesce(per_region.opds_with_budget, 0) > 0 then 1 else 0 end as regions_with_budget,
        1 as regions_expected,
        case when coalesce(per_region.opds_with_budget, 0) = 0 then regions.region_name end as regions_missing_budget,
        false as is_total
    from expected_regions
    cross join fiscal_years
    left join regions on expected_regions.kode_wilayah = regions.kode_wilayah
    left join per_region
        on expected_regions.kode_wilayah = per_region.kode_wilayah
        and fiscal_years.fiscal_year = per_region.fiscal_year
),

province_years as (
    select
        province.kode_wilayah,
        province.region_name,
        region_years.fiscal_year,
        sum(region_years.budgeted_idr) as budgeted_idr,
        sum(region_years.budgeted_workers) as budgeted_workers,
        sum(region_years.required_idr) as required_idr,
        sum(region_years.budgeted_with_roster_idr) as budgeted_with_roster_idr,
        sum(region_years.budgeted_without_roster_idr) as budgeted_without_roster_idr,
        sum(region_years.shortfall_idr) as shortfall_idr,
        sum(region_years.surplus_idr) as surplus_idr,
        sum(region_years.billed_idr) as billed_idr,
        sum(region_years.paid_idr) as paid_idr,
        sum(region_years.opds_with_budget) as opds_with_budget,
        sum(region_years.opds_without_roster) as opds_without_roster,
        sum(region_years.regions_with_budget) as regions_with_budget,
        sum(region_years.regions_expected) as regions_expected,
        string_agg(region_years.regions_missing_budget, ', ' order by region_years.kode_wilayah)
            as regions_missing_budget,
        true as is_total
    from region_years
    cross join province
    group by province.kode_wilayah, province.region_name, region_years.fiscal_year
),

unioned as (
    select * from region_years
    union all
    select * from province_years
),

final as (
    select
        kode_wilayah,
        region_name,
        fiscal_year,
        regions_missing_budget,
        budgeted_idr::numeric(18, 2) as budgeted_idr,
        budgeted_workers::integer as budgeted_workers,
        required_idr::numeric(18, 2) as required_idr,
        budgeted_with_roster_idr::numeric(18, 2) as budgeted_with_roster_idr,
        budgeted_without_roster_idr::numeric(18, 2) as budgeted_without_roster_idr,
        shortfall_idr::numeric(18, 2) as shortfall_idr,
        surplus_idr::numeric(18, 2) as surplus_idr,
        billed_idr::numeric(18, 2) as billed_idr,
        paid_idr::numeric(18, 2) as paid_idr,
        opds_with_budget::integer as opds_with_budget,
        opds_without_roster::integer as opds_without_roster,
        regions_with_budget::integer as regions_with_budget,
        regions_expected::integer as regions_expected,
        regions_with_budget > 0 as has_budget,
        is_total
    from unioned
)

select * from final
