-- Enrollments (參保) starting or changing in a month. The identity card number stays in raw:
-- nothing downstream needs it (the loader has validated it).

select
    person_id,
    gender,
    birth_date,
    county_code,
    scheme,
    category,
    start_date,
    end_date,
    personal_contribution,
    subsidy,
    _file,
    _line_number,
    _load_id,
    _month

from {{ source('bureau', 'enrollment') }}
