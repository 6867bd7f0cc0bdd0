-- grain: one row per line of the current version of every claims export (a claim is listed
-- in every monthly export while it is open, so nomor_klaim repeats across exports).

with

source as (
    select * from {{ ref('base_ucj__claims') }}
),

renamed as (
    select
        source.file_id,
        source.sheet,
        source.source_row,
        source.nomor_klaim as claim_number,
        source.kode_wilayah,
        source.kpj,
        source.nik,
        source.npp,
        nullif(regexp_replace(coalesce(source.npp, ''), '[^0-9A-Za-z]', '', 'g'), '') as npp_key,
        source.nama_pemberi_kerja as employer_name,
        {{ normalize_name('source.nama_pemberi_kerja') }} as employer_key,
        upper(trim(source.program)) as program,
        source.jenis_manfaat as benefit_text,
        case
            when source.jenis_manfaat ilike '%beasiswa%' then 'beasiswa'
            when source.jenis_manfaat ilike '%pemakaman%' then 'biaya_pemakaman'
            when source.jenis_manfaat ilike '%kematian%' and source.jenis_manfaat ilike '%kecelakaan%'
                then 'kematian_kecelakaan_kerja'
            when source.jenis_manfaat ilike '%kematian%' or source.jenis_manfaat ilike '%meninggal%'
                then 'santunan_kematian'
            when source.jenis_manfaat ilike '%cacat%' then 'cacat'
            when source.jenis_manfaat ilike '%stmb%' or source.jenis_manfaat ilike '%sementara tidak mampu%'
                then 'stmb'
            when source.jenis_manfaat ilike '%pengobatan%' or source.jenis_manfaat ilike '%perawatan%'
                then 'pengobatan'
            when upper(trim(source.program)) = 'JKM' then 'santunan_kematian'
            else 'lainnya'
        end as benefit_type,
        upper(trim(source.status_klaim)) as claim_status,
        source.nominal as amount_idr,
        {{ raw_period_month(ref('base_ucj__claims')) }} as export_month,
        source.tanggal_kejadian as event_date,
        source.tanggal_pengajuan as submitted_date,
        source.tanggal_bayar as paid_date,
        source.loaded_at
    from source
)

select * from renamed
