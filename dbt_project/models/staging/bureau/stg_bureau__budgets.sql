-- Annual pooled-fund quotas (總額預算) per institution and year.

select
    year,
    institution_code,
    annual_budget,
    _file,
    _line_number,
    _load_id

from {{ source('bureau', 'budgets') }}
