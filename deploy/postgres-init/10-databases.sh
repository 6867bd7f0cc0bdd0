#!/usr/bin/env bash
# First start of the postgres container (docker-entrypoint-initdb.d): the roles and databases
# of the stack, from deploy/.env. Runs once, on an empty data volume.
#   warehouse  owned by WAREHOUSE_DB_USER (runs the migrations, which create the pipeline's
#              roles: CREATEROLE); WAREHOUSE_READER_USER reads the marts (Metabase's
#              connection; ucj_bi_reader, the migrations grant it SELECT on every mart)
#   airflow    owned by AIRFLOW_DB_USER (Airflow metadata, Celery results)
#   metabase   owned by METABASE_DB_USER (Metabase's own settings)
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v warehouse_db="${WAREHOUSE_DB_NAME:-warehouse}" \
  -v warehouse_user="${WAREHOUSE_DB_USER:-ucj_loader}" \
  -v warehouse_password="${WAREHOUSE_DB_PASSWORD:?set WAREHOUSE_DB_PASSWORD in deploy/.env}" \
  -v reader_user="${WAREHOUSE_READER_USER:-ucj_reader}" \
  -v reader_password="${WAREHOUSE_READER_PASSWORD:?set WAREHOUSE_READER_PASSWORD in deploy/.env}" \
  -v airflow_db="${AIRFLOW_DB_NAME:-airflow}" \
  -v airflow_user="${AIRFLOW_DB_USER:-airflow}" \
  -v airflow_password="${AIRFLOW_DB_PASSWORD:?set AIRFLOW_DB_PASSWORD in deploy/.env}" \
  -v metabase_db="${METABASE_DB_NAME:-metabase}" \
  -v metabase_user="${METABASE_DB_USER:-metabase}" \
  -v metabase_password="${METABASE_DB_PASSWORD:?set METABASE_DB_PASSWORD in deploy/.env}" <<'EOSQL'
create role :"warehouse_user" login createrole password :'warehouse_password';
create role :"reader_user" login password :'reader_password';
create role :"airflow_user" login password :'airflow_password';
create role :"metabase_user" login password :'metabase_password';
create database :"warehouse_db" owner :"warehouse_user";
create database :"airflow_db" owner :"airflow_user";
create database :"metabase_db" owner :"metabase_user";
revoke all on database :"warehouse_db" from public;
grant connect on database :"warehouse_db" to :"reader_user";

\connect :"warehouse_db"
-- The marts schema exists before dbt runs, so that the reader's default privileges apply.
create schema if not exists marts authorization :"warehouse_user";
grant usage on schema marts to :"reader_user";
alter default privileges for role :"warehouse_user" in schema marts grant select on tables to :"reader_user";
EOSQL
