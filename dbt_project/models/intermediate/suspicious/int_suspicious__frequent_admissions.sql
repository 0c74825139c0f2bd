-- Rule `frequent_admissions` (住院頻次較高, DOMAIN 5): every effective stay of a person who has
-- at least frequent_admission_stays (default 5) effective stays settled in the same half-year.
-- figure = the person's stays in that half-year.

with

stays as (

    select settlement_id, institution_code, person_key, settlement_month, half_year
    from {{ ref('int_stays_effective') }}

),

parameters as (

    {{ select_policy_parameters(['frequent_admission_stays']) }}

),

counted as (

    select
        stays.*,
        count(*) over (partition by person_key, half_year) as stays_in_half_year

    from stays

),

flagged as (

    select
        counted.settlement_id,
        'frequent_admissions'::text as rule_id,
        counted.institution_code,
        counted.person_key,
        counted.settlement_month,
        counted.stays_in_half_year::numeric as figure,
        '該參保人' || counted.half_year || '住院' || counted.stays_in_half_year || '次(≥'
            || {{ format_number('parameters.frequent_admission_stays') }} || '次),住院頻次較高 / '
            || counted.stays_in_half_year || ' stays of this person settled in ' || counted.half_year
            || ' (at least ' || {{ format_number('parameters.frequent_admission_stays') }}
            || '): frequent admissions' as reason

    from counted
    cross join parameters
    where counted.stays_in_half_year >= parameters.frequent_admission_stays

)

select * from flagged
