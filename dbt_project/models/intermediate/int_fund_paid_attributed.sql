{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    indexes=[{'columns': ['settlement_month', '_load_id']}, {'columns': ['_built_at']}],
    pre_hook=[
        "{{ delete_persons_with_new_spells(ref('int_enrollment_spells')) }}",
        "{{ delete_persons_without_spells(ref('int_enrollment_spells')) }}",
        "{{ delete_stale_months('settlement_month', ref('int_fund_paid_by_person_month')) }}",
    ],
) }}

-- Fund payments per person and settlement month (int_fund_paid_by_person_month), each attributed
-- to one enrollment spell of the person: the spell covering the month's last day, else the latest
-- begun by then, else the first. enrollment_monthly sums them by the spell's county, scheme and
-- category. Persons without any spell are left out.
--
-- Month- and person-incremental (dbt_project/README.md, "Incremental models").

with

{%- if is_incremental() %}
{%- set in_changed_months = in_months('settlement_month',
        months_not_matching(ref('int_fund_paid_by_person_month'), this, 'settlement_month')) %}
{%- set rebuilt_persons = persons_with_new_spells(ref('int_enrollment_spells')) %}
{%- endif %}

paid as not materialized (  -- read twice: let each reader scan in parallel

    select person_key, settlement_month, pooled_fund_paid, critical_illness_paid, _load_id
    from {{ ref('int_fund_paid_by_person_month') }}
    {% if is_incremental() -%}
    where {{ in_changed_months }}

    union all

    -- apart, rather than OR-ed with the months: PostgreSQL then expects few rows and hashes them
    select person_key, settlement_month, pooled_fund_paid, critical_illness_paid, _load_id
    from {{ ref('int_fund_paid_by_person_month') }}
    where person_key in ({{ rebuilt_persons }})
        and ({{ in_changed_months }}) is not true
    {%- endif %}

),

spells as not materialized (  -- read twice: each join reads the table itself

    -- every spell: restricted to the persons attributed (a semi-join), the plan hashed those
    -- persons in each parallel worker and took longer
    select * from {{ ref('int_enrollment_spells') }}

),

single_spell_persons as (

    -- most persons have one spell: a hash join, no sort
    select paid.*, spells.county_code, spells.scheme, spells.category
    from paid
    inner join spells
        on spells.person_key = paid.person_key
    where spells.person_spells = 1

),

multi_spell_persons as (

    -- the spell covering the month's last day, else the latest begun by then, else the first
    select distinct on (paid.person_key, paid.settlement_month)
        paid.*, spells.county_code, spells.scheme, spells.category
    from paid
    inner join spells
        on spells.person_key = paid.person_key
        and spells.person_spells > 1
    cross join lateral (
        select (paid.settlement_month + interval '1 month - 1 day')::date as month_end_date
    ) as month_end
    order by
        paid.person_key,
        paid.settlement_month,
        (spells.start_date <= month_end.month_end_date
            and (spells.end_date is null or spells.end_date >= month_end.month_end_date)) desc,
        (spells.start_date <= month_end.month_end_date) desc,
        case when spells.start_date <= month_end.month_end_date then spells.start_date end desc,
        spells.start_date

),

final as (

    select
        person_key,
        settlement_month,
        county_code,
        scheme,
        category,
        pooled_fund_paid,
        critical_illness_paid,
        _load_id,
        '{{ run_started_at }}'::timestamptz as _built_at

    from (
        select * from single_spell_persons
        union all
        select * from multi_spell_persons
    ) as attributed

)

select * from final
