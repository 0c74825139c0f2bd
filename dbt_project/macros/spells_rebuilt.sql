{#-
    A model built from int_enrollment_spells and incremental by person: an incremental run
    rebuilds the rows of the persons whose spells were rebuilt since its last run. Spells and the
    model's rows carry `_built_at`, the start of the dbt run that built them: the model has seen
    every spell built up to its latest `_built_at`. That is read when the model is compiled and
    when its pre-hooks run, before any of its rows are deleted (the pre-hook
    delete_persons_with_new_spells must come first), so the select and the delete agree.
-#}

{#- The persons whose spells were built after the model's latest row (every person when empty). -#}
{% macro persons_with_new_spells(spells) -%}
    {%- set seen = run_query('select max(_built_at)::text from ' ~ this).columns[0].values()[0] if execute else none -%}
    select person_key from {{ spells }}
    {%- if seen is not none %} where _built_at > timestamptz '{{ seen }}'{% endif %}
{%- endmacro %}


{#- Pre-hook: delete the rows of the persons the run rebuilds (on a full build: nothing). -#}
{% macro delete_persons_with_new_spells(spells) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where person_key in ({{ persons_with_new_spells(spells) }})
    {%- else -%}
        select 1 /* full build: nothing to delete */
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook, after delete_persons_with_new_spells: once every spell was rebuilt (an enrollment
    month re-delivered or gone rebuilds every person), delete the rows of the persons left without
    any spell, whom the select leaves out. Until then every person keeps a spell, and two index
    probes tell. The gate is its own query: Citus runs the delete only as a join of co-located
    tables on person_key. -#}
{% macro delete_persons_without_spells(spells) -%}
    {%- set gate = 'select (select min(_built_at) from ' ~ spells ~ ') > (select max(_built_at) from ' ~ this ~ ')' -%}
    {%- if execute and is_incremental() and run_query(gate).columns[0].values()[0] -%}
        delete from {{ this }} as model
        where not exists (select from {{ spells }} as spells where spells.person_key = model.person_key)
    {%- else -%}
        select 1 /* a full build, or a person-incremental one: nobody lost every spell */
    {%- endif -%}
{%- endmacro %}
