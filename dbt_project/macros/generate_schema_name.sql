{#-
    Schema names are exactly the layer names: a model configured with `+schema: marts` is built
    in schema `marts`, not dbt's default `<target schema>_marts`. Models without a custom schema
    go to the target's schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
