{#-
    Keyed pseudonym of a person: hex SHA-256 of the secret key followed by the person_id.
    The key comes from $YIBAO_PSEUDONYM_KEY (orchestration.warehouse.pseudonym_key). Without the
    key the pseudonym cannot be recomputed from a person_id, so marts can carry it.

    Use it only in models materialized as tables: a view would store the key in its definition,
    readable by every user of the database through pg_views.
-#}
{% macro pseudonymize(column) -%}
    encode(sha256(convert_to('{{ env_var("YIBAO_PSEUDONYM_KEY") | replace("'", "''") }}' || {{ column }}, 'UTF8')), 'hex')
{%- endmacro %}
