{{ config(severity='warn') }}

-- Landed policy parameters whose key is not a documented parameter (a typo in
-- reference/policy_parameters.csv): they override nothing, so say so.

select key, value, _file, _line_number
from {{ ref('stg_bureau__policy_parameters') }}
where key not in (
    {%- for key in policy_parameter_keys() %}
    '{{ key }}'{{ "," if not loop.last }}
    {%- endfor %}
)
