-- Confirmed violations and refused CI money (違規屬實及大病保險拒付, DOMAIN 3 協同查處) by institution
-- and half-year: one row per half-year and institution with a case concluded in it. A case's state
-- is its latest case review (int_case_reviews_latest); the half-year is that of its conclusion
-- (the status_date of the confirmed or cleared review), the institution that of its settlement.
--   concluded_cases       cases confirmed or cleared in the half-year
--   confirmed_cases       of these, confirmed (違規屬實); cleared_cases: cleared (排除)
--   violating_amount      Σ violating cost found (違規金額), yuan
--   ci_refused_amount     Σ CI money the insurer refuses after the finding (拒付), yuan
--   concluded_late_cases  concluded after their deadline (received_date + 3 months)

with

concluded as (

    select settlement_id, outcome, concluded_date, due_date, violating_amount, ci_refused_amount
    from {{ ref('int_case_reviews_latest') }}
    where concluded_date is not null

),

settlements as (

    select settlement_id, institution_code
    from {{ ref('fct_settlements') }}
    where settlement_id in (select settlement_id from concluded)

),

institutions as (

    select institution_code, institution_name, county_code, managed_by from {{ ref('dim_institutions') }}

),

summed as (

    select
        {{ half_year('concluded.concluded_date') }} as period,
        settlements.institution_code,
        count(*) as concluded_cases,
        count(*) filter (where concluded.outcome = 'confirmed') as confirmed_cases,
        count(*) filter (where concluded.outcome = 'cleared') as cleared_cases,
        sum(concluded.violating_amount) as violating_amount,
        sum(concluded.ci_refused_amount) as ci_refused_amount,
        count(*) filter (where concluded.concluded_date > concluded.due_date) as concluded_late_cases

    from concluded
    inner join settlements on settlements.settlement_id = concluded.settlement_id
    group by 1, 2

),

final as (

    select
        summed.period,
        summed.institution_code,
        institutions.institution_name,
        institutions.county_code,
        institutions.managed_by,
        summed.concluded_cases::integer as concluded_cases,
        summed.confirmed_cases::integer as confirmed_cases,
        summed.cleared_cases::integer as cleared_cases,
        summed.violating_amount::numeric(18, 2) as violating_amount,
        summed.ci_refused_amount::numeric(18, 2) as ci_refused_amount,
        summed.concluded_late_cases::integer as concluded_late_cases

    from summed
    inner join institutions on institutions.institution_code = summed.institution_code

)

select * from final
