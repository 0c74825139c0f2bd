-- Rectification per county (整改銷賬, 逾期未整改按縣區統計): one row per county of dim_counties,
-- zero-filled, from marts.rectifications as of the end of the latest data month.
--   findings                 inspections with a finding at the county's institutions
--   closed, closed_late      closed on time, closed after the deadline
--   open, overdue            still open within the deadline; still open past it (立即整改)
--   overdue_involved_amount  Σ involved_amount of the overdue findings, yuan
--   oldest_overdue_deadline  the earliest deadline among the overdue findings

with

rectifications as (

    select * from {{ ref('rectifications') }}

),

counties as (

    select county_code, county_name from {{ ref('dim_counties') }}

),

as_of as (

    select month_end_date as as_of_date from {{ ref('dim_months') }} where is_latest_data_month

),

summed as (

    select
        county_code,
        count(*) as findings,
        count(*) filter (where status = 'closed') as closed,
        count(*) filter (where status = 'closed_late') as closed_late,
        count(*) filter (where status = 'open') as open,
        count(*) filter (where status = 'overdue') as overdue,
        coalesce(sum(involved_amount) filter (where status = 'overdue'), 0) as overdue_involved_amount,
        min(deadline_date) filter (where status = 'overdue') as oldest_overdue_deadline

    from rectifications
    group by county_code

),

final as (

    select
        counties.county_code,
        counties.county_name,
        as_of.as_of_date,
        coalesce(summed.findings, 0)::integer as findings,
        coalesce(summed.closed, 0)::integer as closed,
        coalesce(summed.closed_late, 0)::integer as closed_late,
        coalesce(summed.open, 0)::integer as open,
        coalesce(summed.overdue, 0)::integer as overdue,
        coalesce(summed.overdue_involved_amount, 0)::numeric(18, 2) as overdue_involved_amount,
        summed.oldest_overdue_deadline

    from counties
    cross join as_of
    left join summed on summed.county_code = counties.county_code

)

select * from final
