-- grain: one row per APBD account line of the current version of every budget file.
-- Subtotal rows (JUMLAH <OPD>, TOTAL) carry no account code and are left out: summing them
-- with the lines would count the money twice.

with

source as (
    select * from {{ ref('base_ucj__budgets') }}
),

renamed as (
    select
        source.file_id,
        source.sheet,
        source.source_row,
        source.kode_wilayah,
        source.opd as opd_text,
        {{ normalize_name('source.opd') }} as opd_key,
        source.kode_rekening as account_code,
        source.uraian as account_description,
        case
            when source.kode_rekening in ('5.1.02.02.02.0006')
                or source.kode_rekening between '5.1.02.02.02.0026' and '5.1.02.02.02.0029'
                then 'JKK'
            when source.kode_rekening in ('5.1.02.02.02.0007')
                or source.kode_rekening between '5.1.02.02.02.0034' and '5.1.02.02.02.0037'
                then 'JKM'
            when source.uraian ilike '%kecelakaan%' then 'JKK'
            when source.uraian ilike '%kematian%' then 'JKM'
        end as program,
        source.pagu as budgeted_idr,
        source.realisasi as realized_idr,
        source.jumlah_pekerja as budgeted_workers,
        source.period::integer as fiscal_year,
        source.loaded_at
    from source
    where source.kode_rekening is not null
        and source.pagu is not null
        and {{ normalize_name('source.opd') }} not like 'jumlah%'
        and {{ normalize_name('source.opd') }} <> 'total'
)

select * from renamed
