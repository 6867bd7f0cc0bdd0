-- grain: one row per contribution basis (int_contribution_bases_monthly: a worker x month, or
-- a JAKON contract): the monthly JKK and JKM contributions the rate seed asks for.
--   PU     JKK = wage x rate of the risk class (0.24 ... 1.74 %), JKM = wage x 0.30 %
--   BPU    JKK = 1 % of declared income (at least Rp1,000,000, at most Rp207,000),
--          JKM = flat Rp6,800: the minimum bill is Rp16,800
--   JAKON  marginal tiers on the contract value (<=100 jt, 100-500 jt, 500 jt-1 M, 1-5 M, >5 M)
-- Each programme's amount is rounded to whole Rupiah (halves up). Rates apply by validity date.

with

bases as (
    select * from {{ ref('int_contribution_bases_monthly') }}
),

rates as (
    select * from {{ ref('stg_reference__contribution_rates') }}
    where program in ('JKK', 'JKM')
),

rate_amounts as (
    select
        bases.basis_id,
        rates.program,
        case rates.rate_basis
            when 'wage' then bases.wage_idr * rates.rate_pct / 100 + rates.fixed_idr
            when 'declared_income'
                then
                    least(
                        greatest(bases.wage_idr, coalesce(rates.min_basis_idr, 0)) * rates.rate_pct / 100
                        + rates.fixed_idr,
                        coalesce(rates.max_amount_idr, 'Infinity'::numeric)
                    )
            when 'flat' then rates.fixed_idr
            when 'contract_value_marginal'
                then
                    greatest(
                        0,
                        least(bases.contract_value_idr, coalesce(rates.tier_to_idr, bases.contract_value_idr))
                        - rates.tier_from_idr
                    ) * rates.rate_pct / 100
            else 0
        end as amount_idr
    from bases
    inner join rates
        on bases.segment = rates.segment
        and bases.period_month between rates.valid_from and rates.valid_to
        and (rates.risk_class is null or rates.risk_class = coalesce(bases.risk_class, 'sangat_rendah'))
),

per_program as (
    select
        basis_id,
        round(coalesce(sum(amount_idr) filter (where program = 'JKK'), 0), 0) as jkk_idr,
        round(coalesce(sum(amount_idr) filter (where program = 'JKM'), 0), 0) as jkm_idr
    from rate_amounts
    group by basis_id
),

final as (
    select
        bases.basis_id,
        bases.kode_wilayah,
        bases.opd_code,
        bases.nik,
        bases.segment,
        bases.risk_class,
        bases.wage_idr,
        bases.contract_value_idr,
        coalesce(per_program.jkk_idr, 0)::numeric(16, 2) as expected_jkk_idr,
        coalesce(per_program.jkm_idr, 0)::numeric(16, 2) as expected_jkm_idr,
        (coalesce(per_program.jkk_idr, 0) + coalesce(per_program.jkm_idr, 0))::numeric(16, 2) as expected_total_idr,
        bases.period_month
    from bases
    left join per_program on bases.basis_id = per_program.basis_id
)

select * from final
