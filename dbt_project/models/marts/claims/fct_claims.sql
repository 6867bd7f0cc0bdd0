-- grain: one row per claim (claim_number, the nomor klaim), in its latest state across the
-- monthly exports.

with

claims as (
    select * from {{ ref('int_claims_amounts_checked') }}
),

regions as (
    select * from {{ ref('stg_reference__regions') }}
),

final as (
    select
        claims.claim_number,
        claims.kode_wilayah,
        regions.region_name,
        claims.participant_key,
        claims.program,
        claims.benefit_type,
        claims.claim_status as status,
        claims.segment,
        claims.amount_idr::numeric(18, 2) as amount_idr,
        claims.expected_amount_idr::numeric(18, 2) as expected_amount_idr,
        (claims.paid_date - claims.submitted_date)::integer as days_to_payment,
        claims.exports_count::integer as exports_count,
        claims.is_paid,
        claims.is_amount_per_rule,
        claims.event_date,
        claims.submitted_date,
        claims.paid_date,
        claims.first_export_month,
        claims.last_export_month
    from claims
    left join regions on claims.kode_wilayah = regions.kode_wilayah
)

select * from final
