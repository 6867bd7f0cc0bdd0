-- Reprocessing (issue 6): a file may be loaded again with the same content, on request (a
-- backfill with "reprocess", a rule change) or because it came back after a correction (A, then
-- B, then A again). Every load is a new version of the file at its path: the new one is current,
-- the one before it is superseded (superseded_by) and stays in raw as history. One current
-- version per path (files_one_current_per_path) remains the rule; one load per content does not.

drop index audit.files_one_load_per_content;

alter table audit.files add column is_reprocess boolean not null default false;

comment on column audit.files.is_reprocess is
    'loaded again on request (reprocess) although the content was the same as the current version';
