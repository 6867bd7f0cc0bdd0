{#- Row-level security of a relation that a Pemda reads (post-hook of marts and restricted; dbt
    rebuilds tables, so the policies are made again after every build, idempotently).

    `region_roles` (members of a Pemda role, access.pemda_roles) see the rows of their own
    region: kode_wilayah is the Pemda's code or below it (74.71, 74.71.01: its first 5 characters).
    `all_rows_roles` see every row. A table without kode_wilayah is not for region roles: their
    SELECT is revoked (province-level figures are read by the province's BI role only).

    A view cannot carry policies. By default it runs with the reader's rights
    (security_invoker, PostgreSQL 15+), so the policies of the tables it reads apply to the
    reader. A view that must read what its readers may not (config meta security_invoker: false,
    e.g. marts.fct_source_freshness over the file registry) runs with its owner's rights, filters
    rows itself with readable_region() and is a security_barrier. -#}
{% macro region_row_security(region_roles, all_rows_roles=[]) -%}
    {%- if execute -%}
        {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
        {%- if config.get('materialized') == 'view' -%}
            {%- if (config.get('meta') or {}).get('security_invoker', true) -%}
            alter view {{ this }} set (security_invoker = true);
            {%- else -%}
            alter view {{ this }} set (security_invoker = false, security_barrier = true);
            {%- endif -%}
            {%- if 'kode_wilayah' not in columns %}
            revoke select on {{ this }} from {{ region_roles | join(', ') }};
            {%- endif -%}
        {%- elif 'kode_wilayah' in columns -%}
            alter table {{ this }} enable row level security;
            drop policy if exists ucj_own_region on {{ this }};
            create policy ucj_own_region on {{ this }} for select to {{ region_roles | join(', ') }}
                using (left(kode_wilayah, 5) in (
                    select pemda.kode_wilayah from access.pemda_roles as pemda
                    where pg_has_role(current_user, pemda.role_name::name, 'usage')
                ));
            drop policy if exists ucj_all_regions on {{ this }};
            {%- if all_rows_roles %}
            create policy ucj_all_regions on {{ this }} for select to {{ all_rows_roles | join(', ') }} using (true);
            {%- endif %}
        {%- else -%}
            revoke select on {{ this }} from {{ region_roles | join(', ') }};
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The row filter of a view that runs with its owner's rights (see region_row_security): every
    row for ucj_bi_reader and for roles outside the Pemda group (the owner, dbt); for a member of
    a Pemda role, the rows of its own regions, as the tables' policy ucj_own_region gives. -#}
{% macro readable_region(column) -%}
    (
        pg_has_role(current_user, 'ucj_bi_reader', 'usage')
        or not pg_has_role(current_user, 'ucj_pemda', 'usage')
        or left({{ column }}, 5) in (
            select pemda.kode_wilayah from access.pemda_roles as pemda
            where pg_has_role(current_user, pemda.role_name::name, 'usage')
        )
    )
{%- endmacro %}
