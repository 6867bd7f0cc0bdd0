-- The reporting month a file's rows state (a PERIODE column, as YYYY-MM), kept beside the
-- period of the folder the file was delivered into. Rows whose PERIODE differs from the folder
-- are rejected (PERIOD_MISMATCH); a file whose rows mostly name another period is quarantined
-- (WRONG_PERIOD). NULL where the file has no PERIODE column.

alter table raw.rosters add column periode text;
alter table raw.participants add column periode text;
alter table raw.claims add column periode text;

comment on column raw.rosters.periode is 'PERIODE column of the file (YYYY-MM); NULL when absent';
comment on column raw.participants.periode is 'PERIODE column of the file (YYYY-MM); NULL when absent';
comment on column raw.claims.periode is 'PERIODE column of the file (YYYY-MM); NULL when absent';
