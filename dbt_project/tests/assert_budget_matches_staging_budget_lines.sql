-- Reconciliation (no rupiah dropped): per region and fiscal year, the pagu of fct_budget_yearly
-- equals the account lines of the current budget files in staging (total and sub-total rows
-- excluded there), whether or not their OPD is in the reference list.

with

staging as (
    select
        kode_wilayah,
        fiscal_year,
        sum(budgeted_idr) as budgeted_idr
    from {{ ref('stg_ucj__budgets') }}
    group by 1, 2
),

mart as (
    select
        kode_wilayah,
        fiscal_year,
        sum(budgeted_idr) as budgeted_idr
    from {{ ref('fct_budget_yearly') }}
    group by 1, 2
    having sum(budgeted_idr) <> 0
)

select
    coalesce(mart.kode_wilayah, staging.kode_wilayah) as kode_wilayah,
    coalesce(mart.fiscal_year, staging.fiscal_year) as fiscal_year,
    mart.budgeted_idr as mart_budgeted,
    staging.budgeted_idr as staging_budgeted
from mart
full outer join staging
    on mart.kode_wilayah = staging.kode_wilayah
    and mart.fiscal_year = staging.fiscal_year
where mart.budgeted_idr is distinct from staging.budgeted_idr
    and coalesce(mart.budgeted_idr, 0) + coalesce(staging.budgeted_idr, 0) <> 0
