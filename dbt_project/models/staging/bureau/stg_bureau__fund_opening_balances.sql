-- Each fund's cumulative balance at the start of its first tracked month.

select
    fund_code,
    as_of_month,
    opening_balance,
    _file,
    _line_number,
    _load_id

from {{ source('bureau', 'fund_opening_balance') }}
