-- OPD attribution learned from the data (issue 15): the aliases and NPP pairs of the
-- deployment config folder (UCJ_CONFIG_DIR/opd_aliases.yaml) in force for the marts.
-- The transform step replaces the rows before every dbt build (ucj.transform.publish_opd_aliases),
-- so a line added to the config folder takes effect on the next run; dbt reads the table as the
-- source audit.opd_aliases. Empty without a config folder.

create table audit.opd_aliases (
    kind          text not null check (kind in ('alias', 'npp')),
    kode_wilayah  text,           -- null: the entry holds in every region
    name          text not null,  -- the alias text (kind alias) or the NPP (kind npp)
    opd           text not null,  -- the OPD meant: a code or a name of the reference, an X- code, or a new name
    config_file   text,
    published_at  timestamptz not null default now()
);

comment on table audit.opd_aliases is
    'OPD aliases and NPP pairs of the deployment config folder, as published before the last dbt build';

grant select on audit.opd_aliases to ucj_transformer;
