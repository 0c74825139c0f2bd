{#-
    A model of one row per person and something (int_enrollment_spells), incremental by person:
    each of its rows carries the `_month` and `_load_id` of the source row it was built from, and
    an incremental run rebuilds every row of the persons (`person_id`, kept in the model as the
    pseudonym `person_key`) who have rows in the source's months that the model does not hold as
    loaded — months new since the last run, and months whose rows all lost to later deliveries.
    When the model holds a month the source no longer holds as loaded (re-delivered or gone),
    the run rebuilds every person: the persons of the old delivery are not known any more.
    `source_model` is the model's monthly source (a model name), with an index on `_month`.
-#}

{#- Whether this run rebuilds only some persons: incremental, and no month of the model stale. -#}
{% macro rebuilds_some_persons(source_model) -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set stale = run_query(months_not_matching(this, ref(source_model), '_month')) -%}
    {{ return(stale.rows | length == 0) }}
{%- endmacro %}


{#- The persons with rows in the source's months the model does not hold as loaded. -#}
{% macro persons_in_new_months(source_model) -%}
    select person_id
    from {{ ref(source_model) }}
    where {{ in_months('_month', months_not_matching(ref(source_model), this, '_month')) }}
{%- endmacro %}


{#- The WHERE clause of the model's read of its source: the persons to rebuild. -#}
{% macro persons_to_rebuild(source_model) -%}
    {%- if rebuilds_some_persons(source_model) -%}
        where person_id in ({{ persons_in_new_months(source_model) }})
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook: delete the rows of the persons the run rebuilds (on a full build: nothing). -#}
{% macro delete_persons_to_rebuild(source_model) -%}
    {%- if not is_incremental() -%}
        select 1 /* full build: nothing to delete */
    {%- elif rebuilds_some_persons(source_model) -%}
        delete from {{ this }}
        where person_key in (select {{ pseudonymize('person_id') }} from ({{ persons_in_new_months(source_model) }}) as persons)
    {%- else -%}
        delete from {{ this }}
    {%- endif -%}
{%- endmacro %}
