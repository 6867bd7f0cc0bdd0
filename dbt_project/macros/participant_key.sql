{#- The pseudonym of a person in the marts: HMAC-SHA256 of the NIK (or KPJ) under the secret
    UCJ_PSEUDONYM_KEY, computed by the database (private.participant_key, migration V020). The
    key is stored where only the warehouse's owner can read it and never appears in the SQL
    dbt compiles or logs; the transformer role may only call the function. -#}
{% macro participant_key(nik_expr) -%}
    private.participant_key(({{ nik_expr }})::text)
{%- endmacro %}
