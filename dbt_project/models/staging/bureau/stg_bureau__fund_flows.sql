-- Fund income and non-settlement expenses (基金收支), one row per landed line.

select
    month,
    fund_code,
    county_code,
    direction,
    item,
    amount,
    _file,
    _line_number,
    _load_id,
    _month

from {{ source('bureau', 'fund_flows') }}
