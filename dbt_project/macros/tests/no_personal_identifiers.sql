{#- Generic model test: the relation has no column that holds a NIK or KPJ (marts carry the
    pseudonym participant_key only). Checks names and 16-/11-digit values of text columns. -#}
{% test no_personal_identifiers(model) %}
{%- set forbidden = ['nik', 'kpj', 'no_kpj', 'nomor_kpj', 'nama', 'participant_name', 'worker_name'] -%}
{%- set columns = adapter.get_columns_in_relation(model) -%}
{%- set named = [] -%}
{%- set text_columns = [] -%}
{%- for col in columns -%}
    {%- if col.name | lower in forbidden -%}{%- do named.append(col.name) -%}{%- endif -%}
    {%- if col.is_string() and col.name | lower != 'participant_key' -%}{%- do text_columns.append(col.name) -%}{%- endif -%}
{%- endfor %}
select 'column ' || column_name as problem
from (values {% for n in named %}('{{ n }}'){% if not loop.last %}, {% endif %}{% else %}(null){% endfor %}) as named_columns (column_name)
where column_name is not null
{%- for c in text_columns %}
union all
select 'value in {{ c }}' as problem
from {{ model }}
where {{ adapter.quote(c) }} ~ '^\d{11}$|^\d{16}$'
{%- endfor %}
{% endtest %}
