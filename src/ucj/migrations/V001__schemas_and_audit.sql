-- Schemas the pipeline owns, the file registry and the audit trail.
-- dbt owns staging, intermediate and marts (it creates them); this file owns raw and audit.

create schema if not exists raw;
create schema if not exists audit;

-- Every file the pipeline has seen: one row per (place, content). The registry makes loading
-- idempotent: the same content at the same place loads once; a changed file at the same path
-- supersedes the earlier version (is_current) while the earlier batch stays in raw.
create table audit.files (
    file_id          bigserial primary key,
    source           text not null check (source in ('rosters', 'participants', 'claims', 'budgets', 'workforce')),
    kode_wilayah     text not null,
    period           text not null,
    relative_path    text not null,
    file_name        text not null,
    content_sha256   text not null,
    size_bytes       bigint not null,
    status           text not null check (status in ('loaded', 'quarantined', 'duplicate')),
    is_current       boolean not null default false,
    superseded_by    bigint references audit.files (file_id),
    file_type        text,
    extension_mismatch boolean not null default false,
    encoding         text,
    sheet            text,
    header_row       integer,
    rows_read        bigint not null default 0,
    rows_loaded      bigint not null default 0,
    rows_rejected    bigint not null default 0,
    rows_warned      bigint not null default 0,
    rows_skipped     bigint not null default 0,
    error_code       text,
    error_message    text,
    quarantine_path  text,
    run_id           text,
    seen_at          timestamptz not null default now(),
    finished_at      timestamptz,
    constraint files_rows_add_up check (rows_read = rows_loaded + rows_rejected)
);
create unique index files_one_load_per_content
    on audit.files (source, kode_wilayah, period, relative_path, content_sha256)
    where status = 'loaded';
create unique index files_one_current_per_path
    on audit.files (source, kode_wilayah, period, relative_path)
    where is_current;
create index files_place on audit.files (source, kode_wilayah, period);

-- Rows that were not loaded (severity reject) or loaded with a warning (severity warn), with
-- the rule that caught them and the row's original text. One row per (row, rule).
create table audit.rejected_rows (
    reject_id       bigserial primary key,
    file_id         bigint not null references audit.files (file_id),
    source          text not null,
    kode_wilayah    text not null,
    period          text not null,
    sheet           text,
    source_row      integer,
    column_name     text,
    value           text,
    rule            text not null,
    reason_code     text not null,
    severity        text not null check (severity in ('reject', 'warn')),
    message_en      text,
    message_id      text,
    original_values jsonb
);
create index rejected_rows_place on audit.rejected_rows (kode_wilayah, period, source);
create index rejected_rows_file on audit.rejected_rows (file_id);

-- Rows of a file that are not data: title block, totals, signature block, blank rows.
create table audit.skipped_rows (
    file_id     bigint not null references audit.files (file_id),
    source_row  integer not null,
    kind        text not null,
    text        text
);
create index skipped_rows_file on audit.skipped_rows (file_id);

-- Every Great Expectations run: one row per suite run over one file (chunks summed).
create table audit.validation_runs (
    validation_id     bigserial primary key,
    file_id           bigint not null references audit.files (file_id),
    suite             text not null,
    success           boolean not null,
    expectations      integer not null,
    failed_expectations integer not null,
    rows_validated    bigint not null,
    summary           jsonb not null,
    run_id            text,
    validated_at      timestamptz not null default now()
);
