{#- The pseudonym of a person in the marts: md5 of a salted NIK (or KPJ), never the identifier
    itself. The salt comes from UCJ_PSEUDONYM_KEY; 'dev-only-key' is for development only.
    One macro on purpose: switching to an HMAC computed in the database changes only this. -#}
{% macro participant_key(nik_expr) -%}
    {%- set salt = env_var('UCJ_PSEUDONYM_KEY', 'dev-only-key') if env_var is defined else 'dev-only-key' -%}
    md5('{{ salt | replace("'", "''") }}' || ':' || ({{ nik_expr }}))
{%- endmacro %}
