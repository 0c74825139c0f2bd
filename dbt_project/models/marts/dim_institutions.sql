-- Designated institutions (定點醫藥機構): one row per institution_code, with the county's name
-- and the scope the half-year rankings use (`city` for 市本級, the county_code for county-managed
-- institutions, NULL for external ones: the prefecture cannot inspect care outside it).

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
        case institutions.managed_by
            when 'city' then 'city'
            when 'county' then institutions.county_code
        end as ranking_scope,
        institutions.beds

    from institutions
    left join counties
        on counties.county_code = institutions.county_code
        and institutions.managed_by <> 'external'

)

select * from final
