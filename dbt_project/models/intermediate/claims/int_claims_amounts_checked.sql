-- grain: one row per claim, with the amount the benefit rules (seed benefits, DOMAIN.md §4)
-- give and whether the claimed amount agrees:
--   JKM                 Rp42 juta (santunan sekaligus + berkala + pemakaman); a BPU member
--                       dying within the first 3 months of membership: Rp10 juta
--   JKK death           48 x monthly wage + berkala + pemakaman, never below the JKM amount
--   STMB                whole (or, after 12 months, half) months of wage
--   JKK disability      at most 56 x wage
--   medical care        any positive amount (no ceiling)
-- is_amount_per_rule is NULL when the rule needs a wage or membership the exports do not give.

with

claims as (
    select * from {{ ref('int_claims_lifecycle') }}
),

benefits as (
    select * from {{ ref('stg_reference__benefits') }}
),

rules as (
    select
        sum(amount_idr) filter (
            where program = 'JKM' and benefit in ('santunan_sekaligus', 'santunan_berkala', 'biaya_pemakaman')
        ) as jkm_amount_idr,
        max(amount_idr) filter (where program = 'JKM' and benefit = 'bpu_first_3_months') as jkm_bpu_early_amount_idr,
        sum(amount_idr) filter (
            where program = 'JKM' and benefit in ('santunan_berkala', 'biaya_pemakaman')
        ) as jkk_death_addons_idr,
        max(wage_multiple) filter (where program = 'JKK' and benefit = 'santunan_kematian') as jkk_death_wage_multiple,
        max(wage_multiple) filter (where program = 'JKK' and benefit = 'cacat_total_tetap')
            as jkk_disability_wage_multiple,
        max(amount_idr) filter (where program = 'BEASISWA' and benefit = 'S1') as scholarship_s1_amount_idr
    from benefits
),

membership_months as (
    select
        claims.*,
        case
            when claims.joined_date is not null and claims.event_date is not null
                then {{ months_between(month_of('claims.joined_date'), month_of('claims.event_date')) }}
        end as months_of_membership
    from claims
),

expected as (
    select
        membership_months.*,
        case
            when membership_months.program = 'JKM' and membership_months.segment = 'BPU'
                and membership_months.months_of_membership < 3
                then rules.jkm_bpu_early_amount_idr
            when membership_months.program = 'JKM' then rules.jkm_amount_idr
            when membership_months.benefit_type = 'kematian_kecelakaan_kerja' and membership_months.wage_idr is not null
                then greatest(
                        round(rules.jkk_death_wage_multiple * membership_months.wage_idr, 0)
                        + rules.jkk_death_addons_idr,
                        rules.jkm_amount_idr
                    )
        end as expected_amount_idr,
        rules.jkm_amount_idr,
        rules.jkk_disability_wage_multiple,
        rules.scholarship_s1_amount_idr
    from membership_months
    cross join rules
),

checked as (
    select
        expected.*,
        case
            when expected.amount_idr is null then null
            when expected.program = 'JKM' and expected.months_of_membership is null
                then case when expected.amount_idr = expected.jkm_amount_idr then true end
            when expected.program = 'JKM' then expected.amount_idr = expected.expected_amount_idr
            when expected.benefit_type = 'kematian_kecelakaan_kerja'
                then expected.amount_idr = expected.expected_amount_idr
            when expected.benefit_type = 'stmb' and coalesce(expected.wage_idr, 0) > 0
                then abs(
                        expected.amount_idr - round(expected.amount_idr * 2 / expected.wage_idr) * expected.wage_idr / 2
                    )
                    <= 1
                    and expected.amount_idr > 0
            when expected.benefit_type = 'cacat' and coalesce(expected.wage_idr, 0) > 0
                then expected.amount_idr > 0
                    and expected.amount_idr <= expected.jkk_disability_wage_multiple * expected.wage_idr
            when expected.benefit_type = 'pengobatan' then expected.amount_idr > 0
            when expected.benefit_type = 'beasiswa' then expected.amount_idr > 0
        end as is_amount_per_rule
    from expected
)

select * from checked
