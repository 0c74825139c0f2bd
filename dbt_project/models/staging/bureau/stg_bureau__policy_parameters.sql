-- Landed overrides of policy parameters, the value as text: a decimal number (the loader has
-- checked it) or, for the text parameters, its text. Marts read it typed through the macro
-- select_policy_parameters.

select
    key,
    value,
    _file,
    _line_number,
    _load_id

from {{ source('bureau', 'policy_parameters') }}
