-- Rectification of inspection findings (限期整改, 立即整改, 銷賬清零): one row per inspection of a
-- prefecture institution with a finding other than `none`, as of the end of the latest data month.
--   deadline_date  inspection_date + rectification_days (default 90)
--   status         `closed` (closed_date on or before the deadline), `closed_late` (after it),
--                  `overdue` (still open and the deadline passed by as_of_date: 立即整改),
--                  `open` (still open, within its deadline)
--   days_overdue   as_of_date − deadline_date for overdue findings, else NULL

with

inspections as (

    select * from {{ ref('stg_bureau__inspections') }}
    where finding <> 'none'

),

institutions as (

    select institution_code, institution_name, institution_type, county_code
    from {{ ref('dim_institutions') }}
    where managed_by <> 'external'

),

parameters as (

    {{ select_policy_parameters(['rectification_days']) }}

),

as_of as (

    select month_end_date as as_of_date from {{ ref('dim_months') }} where is_latest_data_month

),

dated as (

    select
        inspections.*,
        institutions.institution_name,
        institutions.institution_type,
        institutions.county_code,
        inspections.inspection_date + parameters.rectification_days::integer as deadline_date,
        as_of.as_of_date

    from inspections
    inner join institutions on institutions.institution_code = inspections.institution_code
    cross join parameters
    cross join as_of

),

final as (

    select
        inspection_id,
        institution_code,
        institution_name,
        institution_type,
        county_code,
        inspection_date,
        kind,
        finding,
        action,
        involved_amount,
        recovered_amount,
        deadline_date,
        closed_date,
        as_of_date,
        case
            when closed_date is not null and closed_date <= deadline_date then 'closed'
            when closed_date is not null then 'closed_late'
            when deadline_date < as_of_date then 'overdue'
            else 'open'
        end as status,
        case when closed_date is null and deadline_date < as_of_date then as_of_date - deadline_date end
            as days_overdue

    from dated

)

select * from final
