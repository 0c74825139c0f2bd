-- Demerit points per institution and quarter (不良執業行為記分季度公佈, DOMAIN 9): the monthly
-- summary rolled up to quarters; one row per institution and quarter with points.
--   ytd_demerit_points  Σ from the first quarter of the same year to the quarter

with

monthly as (

    select * from {{ ref('institution_demerit_points_monthly') }}

),

quarterly as (

    select
        year,
        extract(quarter from month)::integer as quarter,
        institution_code,
        institution_type,
        county_code,
        sum(demerit_points) as demerit_points,
        sum(inspections_with_points) as inspections_with_points

    from monthly
    group by year, extract(quarter from month), institution_code, institution_type, county_code

),

final as (

    select
        year,
        quarter,
        year::text || '-Q' || quarter::text as period,
        institution_code,
        institution_type,
        county_code,
        demerit_points::integer as demerit_points,
        inspections_with_points::integer as inspections_with_points,
        sum(demerit_points) over (
            partition by institution_code, year
            order by quarter
            rows between unbounded preceding and current row
        )::integer as ytd_demerit_points

    from quarterly

)

select * from final
