{#- Generic test (source freshness per region), on a raw source table: every region's newest
    loaded file of that source is at most `max_age_days` old. Sources' own `freshness` checks a
    table as a whole; a region that stopped delivering would hide behind the others. Read from
    the file registry (one row per file), not from the rows (a scan of all history every night:
    74 s at province scale). A file that loaded no rows (an empty claims export) is a delivery.
    Use with severity warn. The registry is named as a relation, not with source(): a second
    parent would make this a test between two nodes instead of the raw table's own test. -#}
{% test recent_per_group(model, column_name, group_by, max_age_days) %}
{%- set registry = api.Relation.create(database=model.database, schema='audit', identifier='files') -%}
select
    files.{{ group_by }},
    max(files.finished_at) as newest
from {{ registry }} as files
where files.source = '{{ model.identifier }}'
    and files.status = 'loaded'
group by files.{{ group_by }}
having max(files.finished_at) < now() - make_interval(days => {{ max_age_days }})
{% endtest %}
