-- Access and privacy (issue 7): the roles of the pipeline and of its readers, the schemas
-- they may use, and the keyed pseudonym that stands in for NIK and KPJ in the marts.
--
--   ucj_loader       LOGIN  the ingest: reads and writes raw.* and audit.* (no DDL)
--   ucj_transformer  LOGIN  dbt: reads raw and audit, owns staging, intermediate, marts,
--                           restricted, snapshots, reference; applies grants and row security
--   ucj_bi_reader    LOGIN  BI (Metabase, Superset, Excel): SELECT on marts only, every region
--   ucj_caseworker   LOGIN  person-level lists in restricted (rows of its Pemda's regions)
--   ucj_pemda               group of the 17 Pemda roles below (NOLOGIN)
--   ucj_pemda_7401 .. ucj_pemda_7472   one per kabupaten/kota (NOLOGIN): grant one to the
--                           analysts' logins; row-level security shows them their region only
--
-- Roles are cluster-wide and this file runs in every database of a server (tests make many):
-- creating them is idempotent. Whoever runs the migrations (UCJ_WAREHOUSE_URL) owns raw,
-- audit, access and private; it needs CREATEROLE (or superuser). Passwords are never here:
-- ucj.warehouse.apply_secrets sets them from UCJ_*_PASSWORD after migrating.

do $$
declare
    r text;
begin
    foreach r in array array['ucj_loader', 'ucj_transformer', 'ucj_bi_reader', 'ucj_caseworker'] loop
        if not exists (select from pg_roles where rolname = r) then
            begin
                execute format('create role %I login', r);
            exception when duplicate_object or unique_violation then null;  -- made meanwhile elsewhere
            end;
        end if;
    end loop;
    if not exists (select from pg_roles where rolname = 'ucj_pemda') then
        begin
            create role ucj_pemda nologin;
        exception when duplicate_object or unique_violation then null;
        end;
    end if;
end
$$;

-- The Pemda whose analysts read the marts, and the role of each.
create schema if not exists access;
comment on schema access is 'Who may read which region (row-level security of marts and restricted)';
create table access.pemda_roles (
    role_name    text primary key,
    kode_wilayah text not null unique,
    region_name  text not null
);
insert into access.pemda_roles (role_name, kode_wilayah, region_name) values
    ('ucj_pemda_7401', '74.01', 'Kabupaten Kolaka'),
    ('ucj_pemda_7402', '74.02', 'Kabupaten Konawe'),
    ('ucj_pemda_7403', '74.03', 'Kabupaten Muna'),
    ('ucj_pemda_7404', '74.04', 'Kabupaten Buton'),
    ('ucj_pemda_7405', '74.05', 'Kabupaten Konawe Selatan'),
    ('ucj_pemda_7406', '74.06', 'Kabupaten Bombana'),
    ('ucj_pemda_7407', '74.07', 'Kabupaten Wakatobi'),
    ('ucj_pemda_7408', '74.08', 'Kabupaten Kolaka Utara'),
    ('ucj_pemda_7409', '74.09', 'Kabupaten Konawe Utara'),
    ('ucj_pemda_7410', '74.10', 'Kabupaten Buton Utara'),
    ('ucj_pemda_7411', '74.11', 'Kabupaten Kolaka Timur'),
    ('ucj_pemda_7412', '74.12', 'Kabupaten Konawe Kepulauan'),
    ('ucj_pemda_7413', '74.13', 'Kabupaten Muna Barat'),
    ('ucj_pemda_7414', '74.14', 'Kabupaten Buton Tengah'),
    ('ucj_pemda_7415', '74.15', 'Kabupaten Buton Selatan'),
    ('ucj_pemda_7471', '74.71', 'Kota Kendari'),
    ('ucj_pemda_7472', '74.72', 'Kota Baubau');

do $$
declare
    r text;
begin
    for r in select role_name from access.pemda_roles loop
        if not exists (select from pg_roles where rolname = r) then
            begin
                execute format('create role %I nologin in role ucj_pemda', r);
            exception when duplicate_object or unique_violation then null;
            end;
        end if;
        if not pg_has_role(r, 'ucj_pemda', 'member') then
            execute format('grant ucj_pemda to %I', r);
        end if;
    end loop;
    -- A non-superuser owner (CREATEROLE) must be able to SET ROLE to the transformer to hand
    -- it schemas (PostgreSQL 16: creating a role grants ADMIN on it, not SET).
    if not (select rolsuper from pg_roles where rolname = current_user) then
        if current_setting('server_version_num')::int >= 160000 then
            if not pg_has_role(current_user, 'ucj_transformer', 'set') then
                execute format('grant ucj_transformer to %I with set true', current_user);
            end if;
        elsif not pg_has_role(current_user, 'ucj_transformer', 'member') then
            execute format('grant ucj_transformer to %I', current_user);
        end if;
    end if;
end
$$;

-- Nobody but the owner may do anything by default: not in raw, audit, access or private.
revoke all on schema raw, audit, access from public;
revoke create on schema public from public;
do $$
begin
    -- dbt creates the schema of a new model folder itself
    execute format('grant create on database %I to ucj_transformer', current_database());
end
$$;

-- The loader: rows of raw and audit (every table, present and future), no DDL.
grant usage on schema raw, audit to ucj_loader;
grant select, insert, update, delete on all tables in schema raw, audit to ucj_loader;
grant usage, select on all sequences in schema raw, audit to ucj_loader;
revoke insert, update, delete on audit.schema_migrations from ucj_loader;
alter default privileges in schema raw, audit grant select, insert, update, delete on tables to ucj_loader;
alter default privileges in schema raw, audit grant usage, select on sequences to ucj_loader;

-- The transformer reads raw and audit (dbt sources) and nothing else of the owner's.
grant usage on schema raw, audit to ucj_transformer;
grant select on all tables in schema raw, audit to ucj_transformer;
alter default privileges in schema raw, audit grant select on tables to ucj_transformer;

-- Row-level security reads the Pemda list as the querying role.
grant usage on schema access to ucj_transformer, ucj_pemda, ucj_caseworker, ucj_bi_reader;
grant select on access.pemda_roles to ucj_transformer, ucj_pemda, ucj_caseworker, ucj_bi_reader;

-- dbt's schemas belong to the transformer. A warehouse built by dbt as the owner before this
-- migration hands them over with everything in them.
do $$
declare
    s text;
    obj record;
begin
    foreach s in array array['staging', 'intermediate', 'marts', 'restricted', 'snapshots', 'reference', 'analytics']
    loop
        execute format('create schema if not exists %I authorization ucj_transformer', s);
        execute format('alter schema %I owner to ucj_transformer', s);
        execute format('revoke all on schema %I from public', s);
        for obj in
            select c.oid::regclass as rel, c.relkind
            from pg_class as c
            join pg_namespace as n on n.oid = c.relnamespace
            where n.nspname = s and c.relkind in ('r', 'p', 'v', 'm')
              and c.relowner <> 'ucj_transformer'::regrole
        loop
            execute format(
                'alter %s %s owner to ucj_transformer',
                case obj.relkind when 'v' then 'view' when 'm' then 'materialized view' else 'table' end,
                obj.rel
            );
        end loop;
    end loop;
end
$$;
grant usage on schema marts to ucj_bi_reader, ucj_pemda;
grant usage on schema restricted to ucj_caseworker;

-- The pseudonym: HMAC-SHA256 (RFC 2104) of the identifier under a secret key, computed in
-- the database so that the key never appears in dbt's compiled SQL or logs. The key lives in
-- private.pseudonym_key, which only the owner can read; ucj.privacy.store_pseudonym_key writes
-- it from UCJ_PSEUDONYM_KEY. Built on sha256(bytea) alone (pgcrypto is not everywhere).
create schema if not exists private;
revoke all on schema private from public;
comment on schema private is 'Secrets of the warehouse: readable by its owner only';

create table private.pseudonym_key (
    key_id    smallint primary key default 1 check (key_id = 1),
    inner_key bytea not null,  -- the key, padded to 64 bytes, xor 0x36
    outer_key bytea not null,  -- the key, padded to 64 bytes, xor 0x5c
    set_at    timestamptz not null default now()
);
revoke all on private.pseudonym_key from public;

create function private.hmac_pads(key bytea, out inner_key bytea, out outer_key bytea)
language plpgsql immutable strict
as $$
declare
    k bytea := case when length(key) > 64 then sha256(key) else key end;
begin
    k := k || decode(repeat('00', 64 - length(k)), 'hex');
    inner_key := k;
    outer_key := k;
    for i in 0..63 loop
        inner_key := set_byte(inner_key, i, get_byte(k, i) # 54);  -- 0x36
        outer_key := set_byte(outer_key, i, get_byte(k, i) # 92);  -- 0x5c
    end loop;
end
$$;

create function private.hmac_sha256(key bytea, message bytea) returns bytea
language sql immutable strict
as $$
    select sha256(p.outer_key || sha256(p.inner_key || message)) from private.hmac_pads(key) as p
$$;

create function private.set_pseudonym_key(secret text, overwrite boolean) returns boolean
language plpgsql
as $$
declare
    pads record;
    changed boolean;
begin
    if secret is null or secret = '' then
        raise exception 'the pseudonym key is empty';
    end if;
    select * into pads from private.hmac_pads(convert_to(secret, 'UTF8'));
    insert into private.pseudonym_key as k (key_id, inner_key, outer_key)
    values (1, pads.inner_key, pads.outer_key)
    on conflict (key_id) do update
        set inner_key = excluded.inner_key, outer_key = excluded.outer_key, set_at = now()
        where overwrite and (k.inner_key, k.outer_key) is distinct from (excluded.inner_key, excluded.outer_key)
    returning true into changed;
    return coalesce(changed, false);
end
$$;

create function private.missing_pseudonym_key() returns text
language plpgsql
as $$
begin
    raise exception 'no pseudonym key in this warehouse: run the migrations (ucj) with UCJ_PSEUDONYM_KEY set';
end
$$;

-- What dbt calls (macro participant_key): the hex HMAC of the identifier, as its owner.
create function private.participant_key(identifier text) returns text
language sql stable strict security definer
set search_path = pg_catalog, pg_temp
as $$
    select coalesce(
        (select encode(sha256(k.outer_key || sha256(k.inner_key || convert_to(identifier, 'UTF8'))), 'hex')
         from private.pseudonym_key as k),
        private.missing_pseudonym_key()
    )
$$;

revoke all on all functions in schema private from public;
grant usage on schema private to ucj_transformer;
grant execute on function private.participant_key(text) to ucj_transformer;
