-- The previous release's fct_claims (column nomor_klaim), a view over fct_claims for one release:
-- dashboards built on it keep working while they move to claim_number. Dropped in the next release.

with

claims as (
    select * from {{ ref('fct_claims') }}
),

final as (
    select
        claim_number as nomor_klaim,
        kode_wilayah,
        participant_key,
        program,
        benefit_type,
        status,
        segment,
        amount_idr,
        expected_amount_idr,
        days_to_payment,
        exports_count,
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
