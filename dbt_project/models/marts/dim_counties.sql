-- County-level divisions (縣(市、區)): one row per county_code.

with

counties as (

    select * from {{ ref('stg_bureau__counties') }}

),

final as (

    select
        county_code,
        county_name,
        registered_population

    from counties

)

select * from final
