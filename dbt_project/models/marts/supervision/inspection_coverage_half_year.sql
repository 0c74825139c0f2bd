-- On-site inspection coverage (現場檢查覆蓋率, DOMAIN 1 and 8): one row per half-year, county and
-- institution type, for every half-year of dim_months, every county and the four types (zero-filled).
--   institution_count              institutions of the county and type in the current reference snapshot
--                                  (external institutions, outside the prefecture, are in no county)
--   onsite_inspected_institutions  of these, those with an on-site inspection in the half-year (kind
--                                  onsite, special, joint_patrol or flying, by inspection_date)
--   onsite_coverage_rate           onsite_inspected_institutions ÷ institution_count, NULL without institutions
-- Inspections of institutions missing from the snapshot are not counted.

with

institutions as (

    select institution_code, institution_type, county_code
    from {{ ref('dim_institutions') }}
    where managed_by <> 'external'

),

counties as (

    select county_code, county_name from {{ ref('dim_counties') }}

),

periods as (

    select distinct half_year as period from {{ ref('dim_months') }}

),

institution_types as (

    select institution_type
    from (values ('hospital'), ('primary'), ('clinic'), ('pharmacy')) as types (institution_type)

),

inspections as (

    select
        institution_code,
        {{ half_year('inspection_date') }} as period,
        is_onsite

    from {{ ref('stg_bureau__inspections') }}

),

inspected as (

    select
        period,
        institution_code,
        count(*) as inspections,
        count(*) filter (where is_onsite) as onsite_inspections

    from inspections
    group by period, institution_code

),

per_institution as (

    select
        periods.period,
        institutions.county_code,
        institutions.institution_type,
        institutions.institution_code,
        coalesce(inspected.inspections, 0) as inspections,
        coalesce(inspected.onsite_inspections, 0) as onsite_inspections

    from periods
    cross join institutions
    left join inspected
        on inspected.period = periods.period
        and inspected.institution_code = institutions.institution_code

),

summed as (

    select
        period,
        county_code,
        institution_type,
        count(*) as institution_count,
        count(*) filter (where inspections > 0) as inspected_institutions,
        count(*) filter (where onsite_inspections > 0) as onsite_inspected_institutions,
        sum(inspections) as inspections,
        sum(onsite_inspections) as onsite_inspections

    from per_institution
    group by period, county_code, institution_type

),

final as (

    select
        periods.period,
        counties.county_code,
        counties.county_name,
        institution_types.institution_type,
        coalesce(summed.institution_count, 0)::integer as institution_count,
        coalesce(summed.inspected_institutions, 0)::integer as inspected_institutions,
        coalesce(summed.onsite_inspected_institutions, 0)::integer as onsite_inspected_institutions,
        coalesce(summed.inspections, 0)::integer as inspections,
        coalesce(summed.onsite_inspections, 0)::integer as onsite_inspections,
        (summed.onsite_inspected_institutions::numeric / nullif(summed.institution_count, 0))::numeric(18, 6)
            as onsite_coverage_rate

    from periods
    cross join counties
    cross join institution_types
    left join summed
        on summed.period = periods.period
        and summed.county_code = counties.county_code
        and summed.institution_type = institution_types.institution_type

)

select * from final
