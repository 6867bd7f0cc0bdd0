-- Every sheet of a file (issue 14): a workbook may hold one table per OPD, per month or per
-- segment; each sheet is read, or skipped with the reason (instructions, lookups, charts,
-- hidden sheets, a sheet of another period). Rows add up per sheet and per file.

create table audit.file_sheets (
    file_id        bigint not null references audit.files (file_id),
    sheet_index    integer not null,  -- position in the workbook, 0-based (0 for a CSV)
    sheet          text,              -- null for a CSV
    status         text not null check (status in ('read', 'skipped')),
    reason_code    text,              -- why a sheet was skipped (HIDDEN_SHEET, NO_TABLE, ...)
    reason         text,
    header_row     integer,
    opd_text       text,              -- the OPD the sheet's title block, name or file name gives
    opd_source     text,              -- title | sheet | filename
    periods_found  text[],            -- periods the title block or sheet name names
    rows_read      bigint not null default 0,
    rows_loaded    bigint not null default 0,
    rows_rejected  bigint not null default 0,
    rows_skipped   bigint not null default 0,
    warnings       text[],            -- e.g. formulas without a calculated value, per column
    primary key (file_id, sheet_index)
);

comment on table audit.file_sheets is
    'Every sheet of every file: read (with its row counts) or skipped with the reason';

-- Non-data rows now say which sheet they were on.
alter table audit.skipped_rows add column sheet text;

-- The periods a file's title blocks name (ranges such as a PKS period included).
alter table audit.files add column periods_found text[];

-- A file that should never have been delivered (wrong Pemda, a test file) is withdrawn by a
-- data engineer (`ucj withdraw`): its version stops being current, the marts drop its rows on
-- the next transform, and the registry keeps who withdrew it and why.
alter table audit.files add column withdrawn_at timestamptz;
alter table audit.files add column withdrawn_reason text;

-- Row numbers are per sheet: a workbook's data rows are identified by (file, sheet, row), so a
-- workbook of one sheet per OPD can hold row 2 on every sheet.
do $$
declare
    t text;
begin
    foreach t in array array['rosters', 'participants', 'claims', 'budgets', 'workforce']
    loop
        execute format('alter table raw.%I drop constraint %I', t, t || '_pkey');
        execute format('create unique index %I on raw.%I (batch_id, (coalesce(sheet, %L)), source_row)',
                       t || '_file_sheet_row', t, '');
    end loop;
end
$$;
