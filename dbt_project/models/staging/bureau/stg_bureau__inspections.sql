-- Inspections (稽核檢查) and their outcome, one row per inspection.

select
    inspection_id,
    institution_code,
    inspection_date,
    kind,
    kind in ('onsite', 'special', 'joint_patrol', 'flying') as is_onsite,
    trigger,
    finding,
    involved_amount,
    recovered_amount,
    penalty_amount,
    fine_amount,
    action,
    demerit_points,
    closed_date,
    _file,
    _line_number,
    _load_id,
    _month

from {{ source('bureau', 'inspection') }}
