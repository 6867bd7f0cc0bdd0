-- The pipeline's roles may use the warehouse database even where PUBLIC's default privileges
-- on it are revoked. docker-compose's PostgreSQL init (deploy/postgres-init/10-databases.sh)
-- revokes them, as a hardened server does. Found when the compose stack first ran
-- (tests/integration/test_compose_stack.py):
--   CONNECT    the loader's first task failed: "permission denied for database warehouse:
--              User does not have CONNECT privilege"; ucj_pemda: the analysts' logins are members;
--   TEMPORARY  dbt's unit tests (run by the transformer) failed: "permission denied to create
--              temporary tables in database".
do $$
begin
    execute format(
        'grant connect on database %I to ucj_loader, ucj_transformer, ucj_bi_reader, ucj_caseworker, ucj_pemda',
        current_database()
    );
    execute format('grant temporary on database %I to ucj_transformer', current_database());
end
$$;
