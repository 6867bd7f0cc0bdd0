-- grain: one row per contribution rate (segment x programme x risk class or JAKON tier).

with

source as (
    select * from {{ ref('contribution_rates') }}
),

renamed as (
    select
        rate_code::text as rate_code,
        segment::text as segment,
        program::text as program,
        risk_class::text as risk_class,
        basis::text as rate_basis,
        payer::text as payer,
        coalesce(rate_pct, 0)::numeric(6, 3) as rate_pct,
        coalesce(fixed_rp, 0)::numeric(14, 2) as fixed_idr,
        tier_from_rp::numeric(16, 2) as tier_from_idr,
        tier_to_rp::numeric(16, 2) as tier_to_idr,
        min_basis_rp::numeric(14, 2) as min_basis_idr,
        max_basis_rp::numeric(14, 2) as max_basis_idr,
        max_amount_rp::numeric(14, 2) as max_amount_idr,
        valid_from::date as valid_from,
        coalesce(valid_to::date, date '9999-12-31') as valid_to
    from source
)

select * from renamed
