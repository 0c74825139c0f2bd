{{ config(materialized='table') }}

-- Enrollment events per county, scheme, category and month (參保變動), from one pass over the
-- spells: the spells that start in the month, that end in it, and that stop (no longer cover a
-- month's last day: the month after end_date). enrollment_monthly counts the insured persons of
-- each month with running sums of them. A table apart from the mart, which adds the fund
-- payments: it needs only the spells, so a build counts while the payments are attributed.

with

spells as (

    select county_code, scheme, category, start_date, end_date
    from {{ ref('int_enrollment_spells') }}

),

final as (

    select
        spells.county_code,
        spells.scheme,
        spells.category,
        events.month,
        count(*) filter (where events.kind = 'start') as started,
        count(*) filter (where events.kind = 'end') as ended,
        count(*) filter (where events.kind = 'stop') as stopped

    from spells
    cross join lateral (
        values
            ('start', date_trunc('month', spells.start_date)::date),
            ('end', date_trunc('month', spells.end_date)::date),
            ('stop', date_trunc('month', spells.end_date + 1)::date)
    ) as events (kind, month)
    where events.month is not null
    group by 1, 2, 3, 4

)

select * from final
