{{ config(materialized='table') }}

-- Effective inpatient stays (有效住院): effective settlements with visit_type `inpatient`, with
-- what the stay rules compare: the institution's type and level (peer group), the 3-character
-- diagnosis category, the length of stay and the bed-days. A table: six screening rules and the
-- institution indicators read it, and the stays are a few per cent of the settlements.
--   length_of_stay  discharge_date − admission_date, in days (0 for a same-day stay)
--   bed_days        length_of_stay, at least 1 (床日: a same-day stay counts one bed-day)

with

stays as (

    select *
    from {{ ref('int_settlements_screened_effective') }}
    where visit_type = 'inpatient'

),

institutions as (

    -- from staging: an intermediate model does not wait for a mart (dim_institutions adds
    -- nothing used here; waiting for it and its tests held the screening rules back in a build)
    select institution_code, institution_type, hospital_level
    from {{ ref('stg_bureau__institutions') }}

),

final as (

    select
        stays.settlement_id,
        stays.person_key,
        stays.institution_code,
        institutions.institution_type,
        coalesce(institutions.hospital_level, '') as hospital_level,
        stays.scheme,
        stays.admission_date,
        stays.discharge_date,
        stays.settlement_date,
        stays.settlement_month,
        stays.half_year,
        stays.diagnosis_code,
        upper(left(stays.diagnosis_code, 3)) as diagnosis_category,
        stays.discharge_date - stays.admission_date as length_of_stay,
        greatest(stays.discharge_date - stays.admission_date, 1) as bed_days,
        stays.total_cost,
        stays.drug_cost,
        stays.pooled_fund_paid,
        stays.critical_illness_paid,
        stays.account_paid,
        stays.cash_paid,
        stays.is_out_of_area

    from stays
    inner join institutions on institutions.institution_code = stays.institution_code

)

select * from final
