{#- The key for matching names across files: lower case, letters and digits only
    ("Dinas Pemadam Kebakaran" = "DINAS PEMADAM  KEBAKARAN" = "dinas-pemadam-kebakaran"). -#}
{% macro normalize_name(expression) -%}
    regexp_replace(lower(coalesce({{ expression }}, '')), '[^a-z0-9]', '', 'g')
{%- endmacro %}
