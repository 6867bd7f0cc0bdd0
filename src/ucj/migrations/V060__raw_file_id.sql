-- raw.*.batch_id is renamed file_id (issue 19): the same name as audit.files.file_id, which it
-- references, and as the staging models' column. PostgreSQL carries the rename into the primary
-- keys, the (file, sheet, row) unique indexes of V040 and the foreign keys. A warehouse already
-- migrated (a rerun) is left as it is.
do $$
declare
    t text;
begin
    foreach t in array array['rosters', 'participants', 'claims', 'budgets', 'workforce']
    loop
        if exists (
            select from information_schema.columns
            where table_schema = 'raw' and table_name = t and column_name = 'batch_id'
        ) then
            execute format('alter table raw.%I rename column batch_id to file_id', t);
        end if;
    end loop;
end
$$;
