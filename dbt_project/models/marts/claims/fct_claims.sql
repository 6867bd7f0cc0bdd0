-- grain: one row per claim (nomor_klaim), in its latest state across the monthly exports.

with

claims as (
    select * from {{ ref('int_claims_amounts_checked') }}
),

final as (
    select
        claim_number as nomor_klaim,
        kode_wilayah,
        participant_key,
        program,
        benefit_type,
        claim_status as status,
        segment,
        amount_idr::numeric(18, 2) as amount_idr,
        expected_amount_idr::numeric(18, 2) as expected_amount_idr,
        (paid_date - submitted_date)::integer as days_to_payment,
        exports_count::integer as exports_count,
        is_paid,
        is_amount_per_rule,
        event_date,
        submitted_date,
        paid_date,
        first_export_month,
        last_export_month
    from claims
)

select * from final
