{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    indexes=[{'columns': ['_month', '_load_id']}, {'columns': ['_built_at']}],
    pre_hook="{{ delete_persons_to_rebuild('stg_bureau__enrollments') }}",
) }}

-- Enrollment spells (參保期間): one row per person and start_date, with the person's keyed
-- pseudonym (a table: a view would expose the key). A spell delivered again (e.g. in the month it
-- ends, now with end_date) takes the values of its latest delivery (latest file month, load and
-- line). A spell ends at its end_date or the day before the person's next spell starts, so a
-- person is in at most one spell on any day. person_spells: how many spells the person has. No
-- identity card number, birth date or gender. _month and _load_id: the delivery the spell's values
-- come from; _built_at: the start of the dbt run that built the spell.
--
-- Person-incremental (dbt_project/README.md, "Incremental models").

with

enrollments as (

    select person_id, county_code, scheme, category, start_date, end_date, _month, _load_id, _line_number
    from {{ ref('stg_bureau__enrollments') }}
    {{ persons_to_rebuild('stg_bureau__enrollments') }}

),

latest_delivery as (

    select distinct on (person_id, start_date) *
    from enrollments
    order by person_id, start_date, _month desc, _load_id desc, _line_number desc

),

spells as (

    select
        person_id,
        county_code,
        scheme,
        category,
        start_date,
        end_date,
        lead(start_date) over (partition by person_id order by start_date) as next_start_date,
        _month,
        _load_id

    from latest_delivery

),

final as (

    select
        {{ pseudonymize('person_id') }} as person_key,
        county_code,
        scheme,
        category,
        start_date,
        least(end_date, next_start_date - 1) as end_date,
        count(*) over (partition by person_id) as person_spells,
        _month,
        _load_id,
        '{{ run_started_at }}'::timestamptz as _built_at

    from spells

)

select * from final
