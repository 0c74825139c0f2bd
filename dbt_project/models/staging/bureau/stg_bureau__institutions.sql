-- Designated institutions (定點醫藥機構), current snapshot.

select
    institution_code,
    institution_name,
    institution_type,
    hospital_level,
    ownership,
    county_code,
    managed_by,
    beds,
    _file,
    _line_number,
    _load_id

from {{ source('bureau', 'institutions') }}
