-- grain: one row per roster line of the current version of every roster file.

with

source as (
    select * from {{ ref('base_ucj__rosters') }}
),

renamed as (
    select
        source.file_id,
        source.sheet,
        source.source_row,
        source.kode_wilayah,
        source.nik,
        source.nama as worker_name,
        source.opd as opd_text,
        {{ normalize_name('source.opd') }} as opd_key,
        source.jabatan as job_title,
        source.status_kepegawaian as employment_status,
        lower(trim(source.kategori_rentan)) as vulnerable_category,
        source.jenis_kelamin as sex,
        source.upah as wage_idr,
        coalesce(lower(source.status_kepegawaian) like '%rentan%', false)
        or source.kategori_rentan is not null as is_pekerja_rentan,
        to_date(source.period || '-01', 'YYYY-MM-DD') as roster_month,
        source.tanggal_lahir as birth_date,
        source.tmt as start_date,
        source.loaded_at
    from source
)

select * from renamed
