-- The column of a rejected value as the sender sees it: "<column letter>: <header as written>"
-- (e.g. "I: Gaji/Honor per Bulan"), beside column_name (the canonical field, e.g. upah).
alter table audit.rejected_rows add column source_header text;

comment on column audit.rejected_rows.source_header is
    'column letter and header text of the rejected value as written in the file; NULL for whole-row rules';
