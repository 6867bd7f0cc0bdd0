-- Reconciliation: per region and fiscal year, fct_budget_yearly's pagu adds up to the account
-- lines of the current budget files (subtotal rows without an account code left out), and
-- its workers to the largest count of each OPD's lines (never their sum). A budget without the
-- optional workers column has no counts: the mart says 0 workers, and that agrees. Files of a
-- region outside the reference never reach the marts and are left out here too.

with

raw_lines as (
    select
        raw_rows.kode_wilayah,
        raw_rows.period::integer as fiscal_year,
        raw_rows.opd,
        raw_rows.pagu,
        raw_rows.jumlah_pekerja
    from {{ source('raw', 'budgets') }} as raw_rows
    inner join {{ source('audit', 'files') }} as files
        on raw_rows.file_id = files.file_id
        and files.is_current
        and files.status = 'loaded'
    inner join {{ ref('stg_reference__regions') }} as regions
        on raw_rows.kode_wilayah = regions.kode_wilayah
        and regions.region_level in ('kabupaten', 'kota')
    where raw_rows.kode_rekening is not null
        and raw_rows.pagu is not null
),

raw_totals as (
    select
        kode_wilayah,
        fiscal_year,
        sum(pagu) as budgeted_idr,
        coalesce(sum(workers), 0) as budgeted_workers
    from (
        select
            kode_wilayah,
            fiscal_year,
            opd,
            sum(pagu) as pagu,
            max(jumlah_pekerja) as workers
        from raw_lines
        group by 1, 2, 3
    ) as per_opd
    group by 1, 2
),

mart as (
    select
        kode_wilayah,
        fiscal_year,
        sum(budgeted_idr) as budgeted_idr,
        sum(budgeted_workers) as budgeted_workers
    from {{ ref('fct_budget_yearly') }}
    group by 1, 2
    having sum(budgeted_idr) > 0
)

select
    coalesce(mart.kode_wilayah, raw_totals.kode_wilayah) as kode_wilayah,
    coalesce(mart.fiscal_year, raw_totals.fiscal_year) as fiscal_year,
    mart.budgeted_idr as mart_budgeted,
    raw_totals.budgeted_idr as raw_budgeted,
    mart.budgeted_workers as mart_workers,
    raw_totals.budgeted_workers as raw_workers
from mart
full outer join raw_totals
    on mart.kode_wilayah = raw_totals.kode_wilayah
    and mart.fiscal_year = raw_totals.fiscal_year
where mart.budgeted_idr is distinct from raw_totals.budgeted_idr
    or mart.budgeted_workers is distinct from raw_totals.budgeted_workers
