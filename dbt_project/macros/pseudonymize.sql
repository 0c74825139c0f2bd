{#-
    Keyed pseudonym of a person: HMAC-SHA256 of the person_id under the pseudonym key, as hex.

    The key never appears in SQL: orchestration/pseudonym.py hands dbt's sessions the HMAC's two
    padded keys as the settings yibao.pseudonym_ipad and yibao.pseudonym_opad (hex), and
    HMAC(K, m) = sha256(opad_key || sha256(ipad_key || m)). Each setting is read once per
    statement (a scalar sub-query becomes an init plan). A session without them fails here rather
    than computing an unkeyed hash. Without the key a pseudonym cannot be recomputed from a
    person_id, so marts can carry it.

    Use it only in tables: a view would compute it in the reader's session, which has no key.
-#}
{% macro pseudonymize(column) -%}
    encode(sha256(
        (select decode(current_setting('yibao.pseudonym_opad'), 'hex'))
        || sha256((select decode(current_setting('yibao.pseudonym_ipad'), 'hex')) || convert_to({{ column }}, 'UTF8'))
    ), 'hex')
{%- endmacro %}
