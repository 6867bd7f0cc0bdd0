-- One raw table per source: the typed values of every loaded row, its original text
-- (source_values, including columns the warehouse does not know) and its lineage.

create table raw.rosters (
    batch_id            bigint not null references audit.files (file_id),
    kode_wilayah        text not null,
    period              text not null,
    source_file         text not null,
    sheet               text,
    source_row          integer not null,
    loaded_at           timestamptz not null default now(),
    nik                 text,
    nama                text,
    opd                 text,
    tempat_lahir        text,
    tanggal_lahir       date,
    jenis_kelamin       text,
    jabatan             text,
    status_kepegawaian  text,
    kategori_rentan     text,
    upah                numeric(18, 2),
    tmt                 date,
    source_values       jsonb not null,
    primary key (batch_id, source_row)
);

create table raw.participants (
    batch_id            bigint not null references audit.files (file_id),
    kode_wilayah        text not null,
    period              text not null,
    source_file         text not null,
    sheet               text,
    source_row          integer not null,
    loaded_at           timestamptz not null default now(),
    kpj                 text,
    nik                 text,
    nama                text,
    segmen              text,
    status_kepesertaan  text,
    npp                 text,
    nama_pemberi_kerja  text,
    tanggal_lahir       date,
    jenis_kelamin       text,
    upah                numeric(18, 2),
    iuran_jkk           numeric(18, 2),
    iuran_jkm           numeric(18, 2),
    tanggal_kepesertaan date,
    tanggal_bayar       date,
    source_values       jsonb not null,
    primary key (batch_id, source_row)
);

create table raw.claims (
    batch_id            bigint not null references audit.files (file_id),
    kode_wilayah        text not null,
    period              text not null,
    source_file         text not null,
    sheet               text,
    source_row          integer not null,
    loaded_at           timestamptz not null default now(),
    nomor_klaim         text,
    kpj                 text,
    program             text,
    tanggal_kejadian    date,
    nominal             numeric(18, 2),
    status_klaim        text,
    nik                 text,
    jenis_manfaat       text,
    tanggal_pengajuan   date,
    tanggal_bayar       date,
    source_values       jsonb not null,
    primary key (batch_id, source_row)
);

create table raw.budgets (
    batch_id            bigint not null references audit.files (file_id),
    kode_wilayah        text not null,
    period              text not null,
    source_file         text not null,
    sheet               text,
    source_row          integer not null,
    loaded_at           timestamptz not null default now(),
    opd                 text,
    kode_rekening       text,
    uraian              text,
    pagu                numeric(18, 2),
    jumlah_pekerja      integer,
    realisasi           numeric(18, 2),
    source_values       jsonb not null,
    primary key (batch_id, source_row)
);

create table raw.workforce (
    batch_id            bigint not null references audit.files (file_id),
    kode_wilayah        text not null,
    period              text not null,
    source_file         text not null,
    sheet               text,
    source_row          integer not null,
    loaded_at           timestamptz not null default now(),
    segmen              text,
    jumlah_pekerja      bigint,
    tanggal_data        date,
    source_values       jsonb not null,
    primary key (batch_id, source_row)
);
