-- Demerit points per institution and month (定點機構不良執業行為記分月度匯總, DOMAIN 9): one row per
-- institution and month in which inspections recorded points (> 0), by inspection_date.
--   demerit_points      Σ demerit_points of the month's inspections
--   ytd_demerit_points  Σ from January of the same year to the month

with

points as (

    select
        institution_code,
        date_trunc('month', inspection_date)::date as month,
        demerit_points

    from {{ ref('stg_bureau__inspections') }}
    where demerit_points > 0

),

institutions as (

    select institution_code, institution_type, county_code from {{ ref('dim_institutions') }}

),

monthly as (

    select
        institution_code,
        month,
        sum(demerit_points) as demerit_points,
        count(*) as inspections_with_points

    from points
    group by institution_code, month

),

final as (

    select
        monthly.month,
        extract(year from monthly.month)::integer as year,
        monthly.institution_code,
        institutions.institution_type,
        institutions.county_code,
        monthly.demerit_points::integer as demerit_points,
        monthly.inspections_with_points::integer as inspections_with_points,
        sum(monthly.demerit_points) over (
            partition by monthly.institution_code, extract(year from monthly.month)
            order by monthly.month
            rows between unbounded preceding and current row
        )::integer as ytd_demerit_points

    from monthly
    left join institutions on institutions.institution_code = monthly.institution_code

)

select * from final
