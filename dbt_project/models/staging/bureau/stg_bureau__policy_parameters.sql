-- Landed overrides of policy parameters, the value cast to numeric (the loader has checked
-- that it is a decimal number).

select
    key,
    value::numeric as value,
    _file,
    _line_number,
    _load_id

from {{ source('bureau', 'policy_parameters') }}
