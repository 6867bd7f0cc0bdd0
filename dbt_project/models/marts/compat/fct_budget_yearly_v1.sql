-- The previous release's fct_budget_yearly, a view over the mart for one release: required_idr 0
-- for an OPD without a roster, and one signed gap column, shortfall_idr = required_idr -
-- budgeted_idr (negative = surplus). Dropped in the next release.

with

budget as (
    select * from {{ ref('fct_budget_yearly') }}
),

final as (
    select
        kode_wilayah,
        opd_code,
        fiscal_year,
        budgeted_idr,
        budgeted_jkk_idr,
        budgeted_jkm_idr,
        realized_idr,
        budgeted_workers,
        roster_workers,
        months_covered,
        coalesce(required_idr, 0)::numeric(18, 2) as required_idr,
        billed_idr,
        paid_idr,
        (coalesce(required_idr, 0) - budgeted_idr)::numeric(18, 2) as shortfall_idr,
        cost_per_worker_year_idr,
        is_confirmed
    from budget
)

select * from final
