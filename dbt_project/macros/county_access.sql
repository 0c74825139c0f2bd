{#-
    Row-level security for the county bureaus: a post-hook of every mart.

    Superset runs a county user's queries as the county's PostgreSQL role `yibao_county_<code>`
    (dashboards/counties.py), a member of the group `yibao_county` (orchestration/roles.py). A mart
    whose config has `meta: {county_scope: …}` is granted to that group, and PostgreSQL itself
    limits what a county role reads of it, whatever SQL the query holds (a custom expression in a
    chart included):
    - `county_code`: the rows whose county_code is the role's county;
    - `institution_code`: the rows of institutions in the role's county (dim_institutions);
    - `shared`: every row (reference data that names no county, e.g. the screening rule catalogue).
    Every other role (the pipeline, yibao_reader) reads every row: the condition binds the roles
    that use the group's privileges alone. It is one permissive policy, not a restrictive policy
    for the group beside a permissive one for everyone: Citus creates the policies of a
    distributed or reference table's shards as permissive whatever they were, so a restrictive
    one limits nothing there (docs/citus.md). A column person_key is not granted. A mart without
    county_scope is not granted to the group at all (the prefecture-wide fund marts).
-#}
{% macro county_access() -%}
    {%- set scope = model.config.meta.get('county_scope') if execute else none -%}
    {%- if scope is none -%}
        select 1 /* not readable by the county roles */
    {%- else -%}
        {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {%- set readable = columns | reject('equalto', 'person_key') | list -%}
        grant select ({{ readable | join(', ') }}) on {{ this }} to yibao_county;
        {%- if scope != 'shared' %}
        alter table {{ this }} enable row level security;
        drop policy if exists readable on {{ this }};
        create policy readable on {{ this }} for select
            using (not pg_has_role('yibao_county', 'usage') or {{ county_condition(scope) }});
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{% macro county_condition(scope) -%}
    {%- if scope == 'county_code' -%}
        county_code = security.role_county()
    {%- elif scope == 'institution_code' -%}
        institution_code in (select security.county_institution_codes())
    {%- else -%}
        {{ exceptions.raise_compiler_error("county_scope must be county_code, institution_code or shared, not " ~ scope) }}
    {%- endif -%}
{%- endmacro %}

{#-
    On run start: the county group (when no pipeline run has made it yet) and the functions the
    county policies call. (role_county() is called per row: Citus refuses sub-queries in the
    policies of a distributed or reference table, and the county-scoped marts are small.)
    The policies name no other table: dbt replaces a table by dropping the old one with cascade,
    which would drop a policy that named it; a function's body is not tracked, so the policies
    survive dim_institutions' rebuild. (PL/pgSQL: its body is checked only when first called, so
    the function can be created before the marts exist.)
-#}
{% macro county_access_functions() -%}
    do $$ begin  -- orchestration/roles.py makes it too; here for a dbt run of its own (tests, benchmarks)
        if not exists (select from pg_roles where rolname = 'yibao_county') then
            create role yibao_county nologin;
        end if;
    end $$;
    create schema if not exists security;
    create or replace function security.role_county() returns text
        language sql stable parallel safe set search_path = pg_catalog as
        $$ select substr(current_user, length('yibao_county_') + 1) where current_user like 'yibao\_county\_%' $$;
    create or replace function security.county_institution_codes() returns setof text
        language plpgsql stable parallel safe set search_path = pg_catalog as
        $$ begin
            return query select institution_code from marts.dim_institutions where county_code = security.role_county();
        end $$;
    grant usage on schema security to yibao_county;
{%- endmacro %}
