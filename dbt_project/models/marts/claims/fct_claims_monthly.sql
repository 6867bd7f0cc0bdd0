-- grain: one row per region x month x programme (JKK, JKM)
-- Claims submitted in the month (claims_count), claims paid in the month (paid_count,
-- paid_amount_idr, avg_days_to_payment), and the contributions paid for the month's
-- participation (contributions_paid_idr) of the same programme.

with

claims as (
    select * from {{ ref('fct_claims') }}
),

participation as (
    select * from {{ ref('int_participation_monthly') }}
),

regions as (
    select * from {{ ref('stg_reference__regions') }}
),

submitted as (
    select
        kode_wilayah,
        {{ month_of('submitted_date') }} as period_month,
        program,
        count(*) as claims_count
    from claims
    where submitted_date is not null
    group by 1, 2, 3
),

paid as (
    select
        kode_wilayah,
        {{ month_of('paid_date') }} as period_month,
        program,
        count(*) as paid_count,
        sum(amount_idr) as paid_amount_idr,
        avg(days_to_payment) as avg_days_to_payment
    from claims
    where is_paid and paid_date is not null
    group by 1, 2, 3
),

contributions as (
    select
        kode_wilayah,
        period_month,
        program,
        sum(amount_idr) as contributions_paid_idr
    from (
        select
            kode_wilayah,
            period_month,
            'JKK' as program,
            paid_jkk_idr as amount_idr
        from participation
        union all
        select
            kode_wilayah,
            period_month,
            'JKM' as program,
            paid_jkm_idr as amount_idr
        from participation
    ) as by_program
    group by 1, 2, 3
),

spine as (
    select
        kode_wilayah,
        period_month,
        program
    from submitted
    union
    select
        kode_wilayah,
        period_month,
        program
    from paid
    union
    select
        kode_wilayah,
        period_month,
        program
    from contributions
),

final as (
    select
        spine.kode_wilayah,
        regions.region_name,
        spine.period_month,
        spine.program,
        coalesce(submitted.claims_count, 0)::integer as claims_count,
        coalesce(paid.paid_count, 0)::integer as paid_count,
        coalesce(paid.paid_amount_idr, 0)::numeric(18, 2) as paid_amount_idr,
        round(paid.avg_days_to_payment, 1)::numeric(8, 1) as avg_days_to_payment,
        contributions.contributions_paid_idr::numeric(18, 2) as contributions_paid_idr,
        round(coalesce(paid.paid_amount_idr, 0) / nullif(contributions.contributions_paid_idr, 0), 4)::numeric(12, 4)
            as claims_to_contributions_ratio
    from spine
    left join submitted
        on spine.kode_wilayah = submitted.kode_wilayah
        and spine.period_month = submitted.period_month
        and spine.program = submitted.program
    left join paid
        on spine.kode_wilayah = paid.kode_wilayah
        and spine.period_month = paid.period_month
        and spine.program = paid.program
    left join contributions
        on spine.kode_wilayah = contributions.kode_wilayah
        and spine.period_month = contributions.period_month
        and spine.program = contributions.program
    left join regions on spine.kode_wilayah = regions.kode_wilayah
)

select * from final
