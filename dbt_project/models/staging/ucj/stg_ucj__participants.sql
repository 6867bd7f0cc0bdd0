with

source as (
    select * from {{ source('raw', 'participants') }}
),

current_files as (
    select * from {{ ref('stg_ucj__current_files') }}
),

renamed as (
    select
        source.batch_id as file_id,
        source.source_row,
        source.kode_wilayah,
        to_date(source.period || '-01', 'YYYY-MM-DD') as period_month,
        source.kpj,
        source.nik,
        source.npp,
        source.nama as participant_name,
        source.nama_pemberi_kerja as employer_name,
        source.segmen as segment,
        source.status_kepesertaan as participation_status,
        source.jenis_kelamin as sex,
        source.upah as wage_idr,
        source.iuran_jkk as jkk_contribution_idr,
        source.iuran_jkm as jkm_contribution_idr,
        source.status_kepesertaan = 'AKTIF' as is_active,
        source.tanggal_bayar is not null as is_paid,
        source.tanggal_lahir as birth_date,
        source.tanggal_kepesertaan as joined_date,
        source.tanggal_bayar as paid_date
    from source
    inner join current_files on source.batch_id = current_files.file_id
)

select * from renamed
