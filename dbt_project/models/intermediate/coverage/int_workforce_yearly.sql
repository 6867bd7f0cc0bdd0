-- grain: one row per region x year x segment (PU, BPU, JAKON, ALL): the coverage denominator,
-- workers excluding ASN, TNI and Polri. The latest figure of the year counts (latest as-of
-- date, then the latest delivered file). ALL is the sum of the three segments when all three
-- are given, else the TOTAL line.

with

workforce as (
    select * from {{ ref('stg_ucj__workforce') }}
    where segment is not null and workers is not null
),

latest as (
    select distinct on (kode_wilayah, data_year, segment)
        kode_wilayah,
        data_year,
        segment,
        workers,
        as_of_date
    from workforce
    order by kode_wilayah, data_year, segment, as_of_date desc, delivered_at desc, file_id desc, source_row
),

segments as (
    select * from latest
    where segment in ('PU', 'BPU', 'JAKON')
),

all_segments as (
    select
        coalesce(sums.kode_wilayah, totals.kode_wilayah) as kode_wilayah,
        coalesce(sums.data_year, totals.data_year) as data_year,
        'ALL' as segment,
        case when sums.segments_given = 3 then sums.workers else coalesce(totals.workers, sums.workers) end as workers,
        greatest(sums.as_of_date, totals.as_of_date) as as_of_date
    from (
        select
            kode_wilayah,
            data_year,
            count(*) as segments_given,
            sum(workers) as workers,
            max(as_of_date) as as_of_date
        from segments
        group by 1, 2
    ) as sums
    full outer join (
        select * from latest
        where segment = 'TOTAL'
    ) as totals
        on sums.kode_wilayah = totals.kode_wilayah
        and sums.data_year = totals.data_year
),

final as (
    select
        kode_wilayah,
        data_year,
        segment,
        workers,
        as_of_date
    from segments
    union all
    select
        kode_wilayah,
        data_year,
        segment,
        workers,
        as_of_date
    from all_segments
)

select * from final
