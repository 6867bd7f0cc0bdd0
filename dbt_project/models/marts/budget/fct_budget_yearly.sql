-- grain: one row per region x OPD x fiscal year
-- APBD pagu against what the OPD's roster needs and what BPJS billed and was paid.
-- budgeted_workers: an OPD's worker count is repeated on each of its account lines (JKK and
-- JKM), so it is the largest count of its lines, never their sum. Every budget line counts: a
-- line of an OPD the reference lacks is under its unconfirmed code (is_confirmed = false).
-- required_idr is what the OPD's roster needs: NULL (not 0) when no roster of the OPD is in force
-- in any month of the year (has_roster = false: the OPD never delivered one, so its need is
-- unknown). A roster stays in force until a newer one arrives, so a year after the data (a 2026
-- budget while exports run to June 2025) is compared with the latest roster carried forward.
-- The gap is two columns that are never negative: shortfall_idr (required above the pagu) and
-- surplus_idr (pagu above required); both NULL without a roster.

with

budget_lines as (
    select * from {{ ref('stg_ucj__budgets') }}
),

opd_texts as (
    select * from {{ ref('int_opd_texts_matched_to_opds') }}
),

opds as (
    select * from {{ ref('int_opds') }}
),

expected as (
    select * from {{ ref('int_contributions_expected') }}
),

regions as (
    select * from {{ ref('stg_reference__regions') }}
),

participation as (
    select * from {{ ref('int_participation_monthly') }}
    where billed_opd_code is not null
),

budgeted as (
    select
        budget_lines.kode_wilayah,
        opd_texts.opd_code,
        budget_lines.fiscal_year,
        sum(budget_lines.budgeted_idr) as budgeted_idr,
        sum(budget_lines.budgeted_idr) filter (where budget_lines.program = 'JKK') as budgeted_jkk_idr,
        sum(budget_lines.budgeted_idr) filter (where budget_lines.program = 'JKM') as budgeted_jkm_idr,
        sum(budget_lines.realized_idr) as realized_idr,
        max(budget_lines.budgeted_workers) as budgeted_workers
    from budget_lines
    inner join opd_texts
        on budget_lines.kode_wilayah = opd_texts.kode_wilayah
        and budget_lines.opd_key = opd_texts.opd_key
    group by 1, 2, 3
),

required as (
    select
        kode_wilayah,
        opd_code,
        extract(year from period_month)::integer as fiscal_year,
        sum(expected_total_idr) as required_idr,
        count(distinct nik) as roster_workers,
        count(distinct period_month) as months_covered
    from expected
    group by 1, 2, 3
),

billed as (
    select
        kode_wilayah,
        billed_opd_code as opd_code,
        extract(year from period_month)::integer as fiscal_year,
        sum(billed_jkk_idr + billed_jkm_idr) as billed_idr,
        sum(paid_jkk_idr + paid_jkm_idr) as paid_idr
    from participation
    group by 1, 2, 3
),

spine as (
    select
        kode_wilayah,
        opd_code,
        fiscal_year
    from budgeted
    union
    select
        kode_wilayah,
        opd_code,
        fiscal_year
    from required
    union
    select
        kode_wilayah,
        opd_code,
        fiscal_year
    from billed
),

final as (
    select
        spine.kode_wilayah,
        regions.region_name,
        spine.opd_code,
        spine.fiscal_year,
        coalesce(budgeted.budgeted_idr, 0)::numeric(18, 2) as budgeted_idr,
        budgeted.budgeted_jkk_idr::numeric(18, 2) as budgeted_jkk_idr,
        budgeted.budgeted_jkm_idr::numeric(18, 2) as budgeted_jkm_idr,
        budgeted.realized_idr::numeric(18, 2) as realized_idr,
        coalesce(budgeted.budgeted_workers, 0)::integer as budgeted_workers,
        coalesce(required.roster_workers, 0)::integer as roster_workers,
        coalesce(required.months_covered, 0)::integer as months_covered,
        required.required_idr::numeric(18, 2) as required_idr,
        coalesce(billed.billed_idr, 0)::numeric(18, 2) as billed_idr,
        coalesce(billed.paid_idr, 0)::numeric(18, 2) as paid_idr,
        -- greatest() ignores NULL: without a roster the gap is unknown, so the case keeps it NULL
        case
            when required.required_idr is not null
                then greatest(required.required_idr - coalesce(budgeted.budgeted_idr, 0), 0)
        end::numeric(18, 2) as shortfall_idr,
        case
            when required.required_idr is not null
                then greatest(coalesce(budgeted.budgeted_idr, 0) - required.required_idr, 0)
        end::numeric(18, 2) as surplus_idr,
        round(budgeted.budgeted_idr / nullif(budgeted.budgeted_workers, 0), 2)::numeric(18, 2)
            as cost_per_worker_year_idr,
        coalesce(opds.is_confirmed, false) as is_confirmed,
        budgeted.opd_code is not null as has_budget,
        required.opd_code is not null as has_roster
    from spine
    left join regions on spine.kode_wilayah = regions.kode_wilayah
    left join opds on spine.opd_code = opds.opd_code
    left join budgeted
        on spine.kode_wilayah = budgeted.kode_wilayah
        and spine.opd_code = budgeted.opd_code
        and spine.fiscal_year = budgeted.fiscal_year
    left join required
        on spine.kode_wilayah = required.kode_wilayah
        and spine.opd_code = required.opd_code
        and spine.fiscal_year = required.fiscal_year
    left join billed
        on spine.kode_wilayah = billed.kode_wilayah
        and spine.opd_code = billed.opd_code
        and spine.fiscal_year = billed.fiscal_year
)

select * from final
