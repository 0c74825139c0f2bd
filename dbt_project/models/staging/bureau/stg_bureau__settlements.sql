-- Settlements (結算) as loaded: one row per valid settlement, reversals included.
-- The loader guarantees settlement_date falls in the file's month, so settlement_month is the
-- file's month `_month` (indexed in raw, which keeps month filters through this view cheap).
-- person_id stays here: the keyed pseudonym is computed in the tables that read this view (the
-- fact, int_settlements_screened, int_fund_paid_by_person_month), never in a view (a view's
-- definition would expose the key).

select
    settlement_id,
    reversal_of,
    reversal_of is not null as is_reversal,
    person_id,
    institution_code,
    scheme,
    visit_type,
    admission_date,
    discharge_date,
    settlement_date,
    _month as settlement_month,
    diagnosis_code,
    total_cost,
    eligible_cost,
    drug_cost,
    exam_cost,
    treatment_cost,
    material_cost,
    other_cost,
    pooled_fund_paid,
    critical_illness_paid,
    assistance_paid,
    account_paid,
    cash_paid,
    is_out_of_area,
    doctor_code,
    _file,
    _line_number,
    _load_id,
    _month

from {{ source('bureau', 'settlement') }}
