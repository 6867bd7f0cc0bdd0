-- grain: one row per segment line of the current version of every workforce file.

with

source as (
    select * from {{ ref('base_ucj__workforce') }}
),

renamed as (
    select
        source.file_id,
        source.sheet,
        source.source_row,
        source.kode_wilayah,
        case
            when upper(trim(source.segmen)) in ('PU', 'PENERIMA UPAH') then 'PU'
            when upper(trim(source.segmen)) in ('BPU', 'BUKAN PENERIMA UPAH') then 'BPU'
            when upper(trim(source.segmen)) in ('JAKON', 'JASA KONSTRUKSI') then 'JAKON'
            when upper(trim(source.segmen)) in ('TOTAL', 'JUMLAH', 'ALL') then 'TOTAL'
        end as segment,
        source.jumlah_pekerja as workers,
        source.period::integer as data_year,
        coalesce(source.tanggal_data, make_date(source.period::integer, 12, 31)) as as_of_date,
        source.seen_at as delivered_at,
        source.loaded_at
    from source
)

select * from renamed
