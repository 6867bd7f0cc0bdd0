{#- The key for matching names across files: lower case, letters and digits only
    ("Dinas Pemadam Kebakaran" = "DINAS PEMADAM  KEBAKARAN" = "dinas-pemadam-kebakaran"). -#}
{% macro normalize_name(expression) -%}
    regexp_replace(lower(coalesce({{ expression }}, '')), '[^a-z0-9]', '', 'g')
{%- endmacro %}

{#- A stable project code for an OPD the reference lacks, from its region and normalised name:
    the same text gives the same code on every run and on a fresh warehouse ('X-' + 8 hex). -#}
{% macro unconfirmed_opd_code(region_expression, key_expression) -%}
    'X-' || left(md5({{ region_expression }} || '|' || {{ key_expression }}), 8)
{%- endmacro %}

{#- Whether a normalised employer name reads as a government office (an OPD of a Pemda), not a
    company: BPJS exports list every employer of the region, and only offices become OPDs. -#}
{% macro is_government_name(key_expression) -%}
    ({{ key_expression }} ~ '(dinas|badan|kantor|sekretariat|satuanpolisi|satpolpp|rumahsakitumumdaerah|rsud|inspektorat|kecamatan|kelurahan|uptd|puskesmas|pemerintah|pemda|pemkab|pemkot|dprd|damkar|bappeda|bkad|bpkad|bapenda)'
        and {{ key_expression }} !~ '^(pt|cv|ud|pd|perum|persero|koperasi|yayasan|firma)'
        and {{ key_expression }} !~ '(persero|tbk)')
{%- endmacro %}
