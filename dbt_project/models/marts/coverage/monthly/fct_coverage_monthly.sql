{{ config(meta={'window_source': 'int_participants_active_counts_monthly'}) }}
-- grain: one row per region x month x segment (PU, BPU, JAKON, ALL)
-- UCJ coverage: active participants / workers excluding ASN, TNI, Polri x 100.
-- workers_total is the latest workforce figure of the month's year (else of the latest
-- earlier year, see workforce_year); ALL is the sum of the three segments, flagged is_total
-- (sum the rows where not is_total, or read the ALL rows: never both).
-- region_name and is_total come last: an incremental table built before they existed gets them
-- appended (on_schema_change), in the same order as a fresh build.

with

active_counts as (
    select * from {{ ref('int_participants_active_counts_monthly') }}
    where {{ incremental_months_filter() }}
),

workforce as (
    select * from {{ ref('int_workforce_yearly') }}
),

targets as (
    select * from {{ ref('int_coverage_targets_yearly') }}
),

regions as (
    select * from {{ ref('stg_reference__regions') }}
),

with_all as (
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
        sum(active_participants)::integer as active_participants
    from active_counts
    group by kode_wilayah, period_month
),

workforce_year as (
    select
        with_all.kode_wilayah,
        with_all.period_month,
        with_all.segment,
        max(workforce.data_year) as workforce_year
    from with_all
    left join workforce
        on with_all.kode_wilayah = workforce.kode_wilayah
        and with_all.segment = workforce.segment
        and workforce.data_year <= extract(year from with_all.period_month)
    group by 1, 2, 3
),

joined as (
    select
        with_all.kode_wilayah,
        with_all.period_month,
        with_all.segment,
        workforce.workers as workers_total,
        with_all.active_participants,
        targets.target_pct,
        workforce_year.workforce_year,
        regions.region_name
    from with_all
    inner join workforce_year
        on with_all.kode_wilayah = workforce_year.kode_wilayah
        and with_all.period_month = workforce_year.period_month
        and with_all.segment = workforce_year.segment
    left join workforce
        on with_all.kode_wilayah = workforce.kode_wilayah
        and with_all.segment = workforce.segment
        and workforce_year.workforce_year = workforce.data_year
    left join targets
        on extract(year from with_all.period_month) = targets.target_year
    left join regions
        on with_all.kode_wilayah = regions.kode_wilayah
),

final as (
    select
        kode_wilayah,
        period_month,
        segment,
        workers_total::bigint as workers_total,
        active_participants::bigint as active_participants,
        case when workers_total is not null then greatest(workers_total - active_participants, 0) end::bigint
            as uncovered_workers,
        {{ pct('active_participants', 'workers_total') }} as coverage_pct,
        target_pct,
        case
            when workers_total is not null and target_pct is not null
                then greatest(ceil(workers_total * target_pct / 100) - active_participants, 0)
        end::bigint as participants_to_target,
        workforce_year,
        region_name,
        segment = 'ALL' as is_total
    from joined
)

select * from final
