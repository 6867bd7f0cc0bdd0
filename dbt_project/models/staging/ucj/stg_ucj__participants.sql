-- grain: one row per line of the current version of every participation export.
-- period_month is the month the export states (PERIODE), else its period folder.

with

source as (
    select * from {{ ref('base_ucj__participants') }}
),

renamed as (
    select
        source.file_id,
        source.sheet,
        source.source_row,
        source.kode_wilayah,
        source.kpj,
        source.nik,
        coalesce(source.nik, 'KPJ:' || source.kpj) as person_id,
        source.npp,
        nullif(regexp_replace(coalesce(source.npp, ''), '[^0-9A-Za-z]', '', 'g'), '') as npp_key,
        source.nama as participant_name,
        source.nama_pemberi_kerja as employer_name,
        {{ normalize_name('source.nama_pemberi_kerja') }} as employer_key,
        source.segmen as segment,
        source.status_kepesertaan as participation_status,
        source.jenis_kelamin as sex,
        source.upah as wage_idr,
        coalesce(source.iuran_jkk, 0) as jkk_contribution_idr,
        coalesce(source.iuran_jkm, 0) as jkm_contribution_idr,
        source.status_kepesertaan = 'AKTIF' as is_active,
        source.tanggal_bayar is not null as is_paid,
        {{ raw_period_month(ref('base_ucj__participants')) }} as period_month,
        source.tanggal_lahir as birth_date,
        source.tanggal_kepesertaan as joined_date,
        source.tanggal_bayar as paid_date,
        source.loaded_at
    from source
)

select * from renamed
