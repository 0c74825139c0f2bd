-- Month spine: every month from the earliest tracked month (a fund's as_of_month or the first
-- month of any monthly source) to the latest month of any monthly source (settlement,
-- fund_flows, enrollment, inspection, case_review), with no gap. Each min/max reads the raw
-- `_month` index.

with

first_and_latest as (

    select
        least(
            (select min(as_of_month) from {{ ref('stg_bureau__fund_opening_balances') }}),
            (select min(_month) from {{ ref('stg_bureau__settlements') }}),
            (select min(_month) from {{ ref('stg_bureau__fund_flows') }}),
            (select min(_month) from {{ ref('stg_bureau__enrollments') }}),
            (select min(_month) from {{ ref('stg_bureau__inspections') }}),
            (select min(_month) from {{ ref('stg_bureau__case_reviews') }})
        ) as first_month,
        greatest(
            (select max(_month) from {{ ref('stg_bureau__settlements') }}),
            (select max(_month) from {{ ref('stg_bureau__fund_flows') }}),
            (select max(_month) from {{ ref('stg_bureau__enrollments') }}),
            (select max(_month) from {{ ref('stg_bureau__inspections') }}),
            (select max(_month) from {{ ref('stg_bureau__case_reviews') }})
        ) as latest_month

),

spine as (

    select
        month::date as month,
        first_and_latest.latest_month

    from first_and_latest
    cross join lateral generate_series(
        first_and_latest.first_month, first_and_latest.latest_month, interval '1 month'
    ) as months (month)

),

final as (

    select
        month,
        (month + interval '1 month' - interval '1 day')::date as month_end_date,
        extract(year from month)::integer as year,
        extract(month from month)::integer as month_of_year,
        extract(quarter from month)::integer as quarter,
        {{ half_year('month') }} as half_year,
        month = latest_month as is_latest_data_month

    from spine

)

select * from final
