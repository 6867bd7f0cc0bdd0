{{ config(meta={'window_source': 'int_participants_active_counts_monthly', 'opd_attribution': true}) }}
-- grain: one row per region x month x segment (PU, BPU, JAKON, and ALL: the sum of the three,
-- is_total) with a participation export after the region's first: participants AKTIF in the
-- previous export who are not AKTIF in this one (lapsed: listed NON AKTIF, or no longer listed),
-- against last month's actives. ALL sums the segments as fct_coverage_monthly's ALL does; its
-- previous month is the region's previous export month.
-- Incremental by month (the months of int_participants_lapsed_monthly's window); the previous
-- month's actives come from the small active-counts table, read whole. All months when the OPD
-- attribution changed (lapsed_billed_to_opd counts the lapsed billed to an OPD).
-- depends_on: {{ ref('int_opd_attribution_fingerprint') }}

with

lapsed as (
    select * from {{ ref('int_participants_lapsed_monthly') }}
    where {{ incremental_months_filter() }}
),

opds as (
    select * from {{ ref('int_opds') }}
),

active_counts as (
    select * from {{ ref('int_participants_active_counts_monthly') }}
),

regions as (
    select * from {{ ref('stg_reference__regions') }}
),

active_counts_with_all as (
    select
        kode_wilayah,
        period_month,
        segment,
        active_participants
    from active_counts
    union all
    select
        kode_wilayah,
        period_month,
        'ALL' as segment,
        sum(active_participants) as active_participants
    from active_counts
    group by kode_wilayah, period_month
),

previous_counts as (
    select
        kode_wilayah,
        period_month,
        segment,
        active_participants,
        lag(active_participants) over (partition by kode_wilayah, segment order by period_month) as previous_active,
        lag(period_month) over (partition by kode_wilayah, segment order by period_month) as previous_month
    from active_counts_with_all
),

lapsed_counts as (
    select
        lapsed.kode_wilayah,
        lapsed.period_month,
        lapsed.segment,
        count(*) as lapsed_participants,
        count(*) filter (where lapsed.is_listed_non_aktif) as lapsed_listed_inactive,
        count(*) filter (where lapsed.billed_opd_code is not null) as lapsed_billed_to_opd,
        count(*) filter (where not opds.is_confirmed) as lapsed_billed_to_unconfirmed_opd
    from lapsed
    left join opds on lapsed.billed_opd_code = opds.opd_code
    group by 1, 2, 3
),

lapsed_counts_with_all as (
    select * from lapsed_counts
    union all
    select
        kode_wilayah,
        period_month,
        'ALL' as segment,
        sum(lapsed_participants) as lapsed_participants,
        sum(lapsed_listed_inactive) as lapsed_listed_inactive,
        sum(lapsed_billed_to_opd) as lapsed_billed_to_opd,
        sum(lapsed_billed_to_unconfirmed_opd) as lapsed_billed_to_unconfirmed_opd
    from lapsed_counts
    group by kode_wilayah, period_month
),

final as (
    select
        previous_counts.kode_wilayah,
        previous_counts.period_month,
        previous_counts.segment,
        previous_counts.previous_month,
        previous_counts.previous_active::integer as previous_active_participants,
        coalesce(lapsed_counts.lapsed_participants, 0)::integer as lapsed_participants,
        coalesce(lapsed_counts.lapsed_listed_inactive, 0)::integer as lapsed_listed_inactive,
        coalesce(lapsed_counts.lapsed_billed_to_opd, 0)::integer as lapsed_billed_to_opd,
        coalesce(lapsed_counts.lapsed_billed_to_unconfirmed_opd, 0)::integer as lapsed_billed_to_unconfirmed_opd,
        {{ pct('coalesce(lapsed_counts.lapsed_participants, 0)', 'previous_counts.previous_active') }}
            as lapse_rate_pct,
        regions.region_name,
        previous_counts.segment = 'ALL' as is_total
    from previous_counts
    left join lapsed_counts_with_all as lapsed_counts
        on previous_counts.kode_wilayah = lapsed_counts.kode_wilayah
        and previous_counts.period_month = lapsed_counts.period_month
        and previous_counts.segment = lapsed_counts.segment
    left join regions on previous_counts.kode_wilayah = regions.kode_wilayah
    where previous_counts.previous_month is not null
        and {{ incremental_months_filter(
            'previous_counts.period_month', region_column='previous_counts.kode_wilayah',
        ) }}
)

select * from final
