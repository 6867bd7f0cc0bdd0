-- The previous release's fct_lapsed_participants_monthly (column lapsed_listed_non_aktif; segment
-- rows only, no ALL row), a view over the mart for one release. Dropped in the next release.

with

lapsed as (
    select * from {{ ref('fct_lapsed_participants_monthly') }}
    where not is_total
),

final as (
    select
        kode_wilayah,
        period_month,
        segment,
        previous_month,
        previous_active_participants,
        lapsed_participants,
        lapsed_listed_inactive as lapsed_listed_non_aktif,
        lapsed_billed_to_opd,
        lapsed_billed_to_unconfirmed_opd,
        lapse_rate_pct
    from lapsed
)

select * from final
