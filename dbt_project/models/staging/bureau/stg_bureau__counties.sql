-- County-level divisions (縣(市、區)), current snapshot.

select
    county_code,
    county_name,
    registered_population,
    _file,
    _line_number,
    _load_id

from {{ source('bureau', 'counties') }}
