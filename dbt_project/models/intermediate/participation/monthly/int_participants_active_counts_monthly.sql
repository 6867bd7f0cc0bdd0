{{ config(meta={'window_source': 'int_participation_monthly'}) }}
-- grain: one row per region x month x segment (PU, BPU, JAKON): distinct people AKTIF in the
-- month's participation export. A person active in two segments counts once, in the segment
-- of their wage employment first (PU, then JAKON, then BPU), so the segments add up to the
-- distinct people of the region. Incremental by month, like int_participation_monthly: a month
-- depends on that month's export only.

with

participation as (
    select * from {{ ref('int_participation_monthly') }}
    where {{ incremental_months_filter() }}
),

months as (
    select distinct
        kode_wilayah,
        period_month
    from participation
),

segments as (
    select segment
    from (values ('PU'), ('BPU'), ('JAKON')) as segments (segment)
),

people as (
    select distinct on (kode_wilayah, period_month, person_id)
        kode_wilayah,
        period_month,
        person_id,
        segment
    from participation
    where is_active
    order by kode_wilayah, period_month, person_id, array_position(array['PU', 'JAKON', 'BPU'], segment)
),

counted as (
    select
        kode_wilayah,
        period_month,
        segment,
        count(*) as active_participants
    from people
    group by 1, 2, 3
),

final as (
    select
        months.kode_wilayah,
        months.period_month,
        segments.segment,
        coalesce(counted.active_participants, 0)::integer as active_participants
    from months
    cross join segments
    left join counted
        on months.kode_wilayah = counted.kode_wilayah
        and months.period_month = counted.period_month
        and segments.segment = counted.segment
)

select * from final
