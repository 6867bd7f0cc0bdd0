-- grain: one row per programme x benefit (JKK, JKM and scholarship benefits).

with

source as (
    select * from {{ ref('benefits') }}
),

renamed as (
    select
        program::text as program,
        benefit::text as benefit,
        formula::text as formula,
        condition::text as benefit_condition,
        verified::text as verified,
        amount_rp::numeric(14, 2) as amount_idr,
        wage_multiple::numeric(6, 2) as wage_multiple
    from source
)

select * from renamed
