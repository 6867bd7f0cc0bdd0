-- Reconciliation: fct_coverage_monthly's denominator per region, year and segment is a figure
-- delivered in a current workforce file of that year (the ALL row: the TOTAL line or the sum
-- of the three segments).

with

raw_figures as (
    select
        raw_rows.kode_wilayah,
        raw_rows.period::integer as data_year,
        upper(raw_rows.segmen) as segment,
        raw_rows.jumlah_pekerja as workers
    from {{ source('raw', 'workforce') }} as raw_rows
    inner join {{ source('audit', 'files') }} as files
        on raw_rows.file_id = files.file_id
        and files.is_current
        and files.status = 'loaded'
    inner join {{ ref('stg_reference__regions') }} as regions
        on raw_rows.kode_wilayah = regions.kode_wilayah
        and regions.region_level in ('kabupaten', 'kota')
),

raw_candidates as (
    select kode_wilayah, data_year, segment, workers from raw_figures where segment in ('PU', 'BPU', 'JAKON')
    union all
    select kode_wilayah, data_year, 'ALL', workers from raw_figures where segment = 'TOTAL'
    union all
    select kode_wilayah, data_year, 'ALL', sum(workers)
    from raw_figures
    where segment in ('PU', 'BPU', 'JAKON')
    group by 1, 2
),

mart as (
    select distinct
        kode_wilayah,
        workforce_year,
        segment,
        workers_total
    from {{ ref('fct_coverage_monthly') }}
    where workers_total is not null
)

select mart.*
from mart
left join raw_candidates
    on mart.kode_wilayah = raw_candidates.kode_wilayah
    and mart.workforce_year = raw_candidates.data_year
    and mart.segment = raw_candidates.segment
    and mart.workers_total = raw_candidates.workers
where raw_candidates.kode_wilayah is null
