-- Designated institutions (定點醫藥機構): one row per institution_code, with the county's name
-- and the scope the half-year rankings use (`city` for 市本級, else the county_code).

with

institutions as (

    select * from {{ ref('stg_bureau__institutions') }}

),

counties as (

    select county_code, county_name from {{ ref('stg_bureau__counties') }}

),

final as (

    select
        institutions.institution_code,
        institutions.institution_name,
        institutions.institution_type,
        institutions.hospital_level,
        institutions.ownership,
        institutions.county_code,
        counties.county_name,
        institutions.managed_by,
        case
            when institutions.managed_by = 'city' then 'city'
            else institutions.county_code
        end as ranking_scope,
        institutions.beds

    from institutions
    left join counties on counties.county_code = institutions.county_code

)

select * from final
