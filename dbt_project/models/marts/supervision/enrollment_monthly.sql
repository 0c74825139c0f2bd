-- Enrollment per month (參保人數及參保率): one row per month of dim_months, county, scheme and
-- category (every combination that has an enrollment spell; zero-filled).
--   insured_persons     spells (int_enrollment_spells) covering the month's last day:
--                       start_date ≤ last day and (end_date NULL or end_date ≥ last day)
--   new_enrollments     spells starting in the month; ended_enrollments: ending in it
--   enrollment_rate     insured_persons ÷ the county's registered_population (參保率; the rates of a
--                       county's rows add up to its rate)
--   pooled_fund_paid, critical_illness_paid   the month's settlements (net of reversals) of persons
--                       whose spell at the month's end — else the latest spell begun by then, else
--                       their first — is in this county, scheme and category
--                       (int_fund_paid_attributed); fund_expenditure is their sum. Persons without
--                       any spell are left out.
--   fund_expenditure_per_insured   fund_expenditure ÷ insured_persons (人均基金支出)
-- Insured persons are counted with running sums of the spells' starts and stops
-- (int_enrollment_events_monthly), not one row per person and month.

with

events as (

    select * from {{ ref('int_enrollment_events_monthly') }}

),

counties as (

    select * from {{ ref('dim_counties') }}

),

months as (

    select month, month_end_date from {{ ref('dim_months') }}

),

bounds as (

    select min(month) as first_month from months

),

groups as (

    select distinct county_code, scheme, category from events

),

changes_by_month as (

    -- +1 in the month a spell starts covering a month's end, −1 in the first month it no longer
    -- does; spells begun before the first month count from it
    select county_code, scheme, category, greatest(events.month, bounds.first_month) as month,
        sum(started - stopped) as change
    from events cross join bounds
    group by 1, 2, 3, 4

),

paid as (

    select county_code, scheme, category, settlement_month as month,
        sum(pooled_fund_paid) as pooled_fund_paid,
        sum(critical_illness_paid) as critical_illness_paid
    from {{ ref('int_fund_paid_attributed') }}
    group by 1, 2, 3, 4

),

spine as (

    select months.month, groups.county_code, groups.scheme, groups.category
    from months
    cross join groups

),

counted as (

    select
        spine.*,
        sum(coalesce(changes_by_month.change, 0)) over (
            partition by spine.county_code, spine.scheme, spine.category
            order by spine.month
            rows between unbounded preceding and current row
        ) as insured_persons

    from spine
    left join changes_by_month
        on changes_by_month.county_code = spine.county_code
        and changes_by_month.scheme = spine.scheme
        and changes_by_month.category = spine.category
        and changes_by_month.month = spine.month

),

final as (

    select
        counted.month,
        counted.county_code,
        counted.scheme,
        counted.category,
        counted.insured_persons::integer as insured_persons,
        coalesce(events.started, 0)::integer as new_enrollments,
        coalesce(events.ended, 0)::integer as ended_enrollments,
        counties.registered_population,
        (counted.insured_persons::numeric / nullif(counties.registered_population, 0))::numeric(18, 6)
            as enrollment_rate,
        coalesce(paid.pooled_fund_paid, 0)::numeric(18, 2) as pooled_fund_paid,
        coalesce(paid.critical_illness_paid, 0)::numeric(18, 2) as critical_illness_paid,
        (coalesce(paid.pooled_fund_paid, 0) + coalesce(paid.critical_illness_paid, 0))::numeric(18, 2)
            as fund_expenditure,
        ((coalesce(paid.pooled_fund_paid, 0) + coalesce(paid.critical_illness_paid, 0))
            / nullif(counted.insured_persons, 0))::numeric(18, 2) as fund_expenditure_per_insured

    from counted
    left join counties on counties.county_code = counted.county_code
    left join events
        on events.county_code = counted.county_code and events.scheme = counted.scheme
        and events.category = counted.category and events.month = counted.month
    left join paid
        on paid.county_code = counted.county_code and paid.scheme = counted.scheme
        and paid.category = counted.category and paid.month = counted.month

)

select * from final
