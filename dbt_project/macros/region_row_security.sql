{#- Row-level security of a table that a Pemda reads (post-hook of marts and restricted; dbt
    rebuilds tables, so the policies are made again after every build, idempotently).

    `region_roles` (members of a Pemda role, access.pemda_roles) see the rows of their own
    region: kode_wilayah is the Pemda's code or below it (74.71, 74.71.01: its first 5 characters).
    `all_rows_roles` see every row. A table without kode_wilayah is not for region roles: their
    SELECT is revoked (province-level figures are read by the province's BI role only). -#}
{% macro region_row_security(region_roles, all_rows_roles=[]) -%}
    {%- if execute -%}
        {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
        {%- if 'kode_wilayah' in columns -%}
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
