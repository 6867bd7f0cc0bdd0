{#-
  Database comments for the marts (persist_docs in dbt_project.yml), which Metabase, Superset and
  Excel's Power Query show as descriptions: Bahasa Indonesia first, then the English description
  of the yml, e.g. "Persentase cakupan (UCJ). EN: active / workers x 100, 2 decimals ...".
  The Bahasa texts are one table per column name (marts_labels_id) and per model
  (marts_model_labels_id): a column name means the same in every mart. A column or model missing
  from them keeps its English description alone, and
  tests/integration/test_marts_published.py::test_every_mart_column_has_a_bahasa_comment fails.
-#}
{% macro postgres__persist_docs(relation, model, for_relation, for_columns) -%}
  {%- set model_labels = marts_model_labels_id() -%}
  {%- set column_labels = marts_labels_id() -%}
  {% if for_relation and config.persist_relation_docs() and model.description %}
    {% do run_query(alter_relation_comment(relation, bahasa_first(model_labels.get(model.name), model.description))) %}
  {% endif %}
  {% if for_columns and config.persist_column_docs() and model.columns %}
    {% set existing_columns = adapter.get_columns_in_relation(relation) | map(attribute="name") | list %}
    {% set documented = validate_doc_columns(relation, model.columns, existing_columns) %}
    {% set commented = {} %}
    {% for name, column in documented.items() %}
      {% do commented.update({name: {
        'description': bahasa_first(column_labels.get(name), column['description']),
        'quote': column['quote']}}) %}
    {% endfor %}
    {% set alter_comment_sql = alter_column_comment(relation, commented) %}
    {% if alter_comment_sql | trim | length > 0 %}
      {% do run_query(alter_comment_sql) %}
    {% endif %}
  {% endif %}
{%- endmacro %}

{% macro bahasa_first(label_id, description_en) -%}
  {%- if label_id and description_en -%}
    {{ return(label_id ~ '. EN: ' ~ (description_en | trim)) }}
  {%- else -%}
    {{ return(label_id or (description_en | trim)) }}
  {%- endif -%}
{%- endmacro %}
