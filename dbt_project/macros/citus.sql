{#-
    Post-hook of every model: on the `citus` target (a Citus coordinator, docs/citus.md), spread
    the table the model just built over the workers as its `meta.citus_distribution` says:
      - a column name (e.g. person_key): a distributed table, hashed on that column, co-located
        with the other tables distributed on a column of the same type, so that their joins on
        it run shard by shard on the workers;
      - `reference`: a reference table, copied whole to every node (dimensions and other small
        tables the distributed ones join to);
      - absent: a plain table on the coordinator (small marts, read by the dashboards there).
    Only a new relation is distributed: the table materialization builds a new one each run, an
    incremental model only on its first or a full-refresh run. The rows the table had on the
    coordinator before are copied to the shards and then emptied from the coordinator's copy.
    It runs after dbt's transaction has committed: Citus refuses to create a reference table in
    a transaction that has already written to the coordinator's placements, and to analyze one in
    the transaction that created it (a reference table is small: autovacuum analyzes it later).
    On any other target, and for views, the hook is empty (dbt skips it).
-#}
{% macro citus_distribute() -%}
    {%- set distribution = config.meta_get('citus_distribution') -%}
    {%- if target.name == 'citus' and distribution
            and config.get('materialized') in ('table', 'incremental') -%}
        do $citus$ begin
            if not exists (select from pg_dist_partition where logicalrelid = '{{ this }}'::regclass) then
            {%- if distribution == 'reference' %}
                perform create_reference_table('{{ this }}');
                perform truncate_local_data_after_distributing_table('{{ this }}');
            {%- else %}
                perform create_distributed_table('{{ this }}', '{{ distribution }}');
                perform truncate_local_data_after_distributing_table('{{ this }}');
                analyze {{ this }};  -- the shards' statistics, for the models that read it next
            {%- endif %}
            end if;
        end $citus$
    {%- endif -%}
{%- endmacro %}
