-- Case reviews (協同查處): one row per landed status of a suspicious case; a case has a row in the
-- month its materials were received and one in the month it was concluded.

select
    settlement_id,
    submitted_by,
    received_date,
    status_date,
    outcome,
    violating_amount,
    ci_refused_amount,
    _file,
    _line_number,
    _load_id,
    _month

from {{ source('bureau', 'case_review') }}
