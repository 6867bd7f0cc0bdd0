-- The pipeline's roles may connect to the warehouse database even where CONNECT is not granted
-- to PUBLIC. docker-compose's PostgreSQL init (deploy/postgres-init/10-databases.sh) revokes it,
-- as a hardened server does: the loader then failed its first task with "permission denied for
-- database warehouse: User does not have CONNECT privilege" (found when the compose stack first
-- ran, tests/integration/test_compose_stack.py). ucj_pemda: the analysts' logins are members.
do $$
begin
    execute format(
        'grant connect on database %I to ucj_loader, ucj_transformer, ucj_bi_reader, ucj_caseworker, ucj_pemda',
        current_database()
    );
end
$$;
