{{ config_following_months('stg_bureau__settlements', indexes=[{'columns': ['settlement_id'], 'unique': True}]) }}

-- The settlements the screening rules and the stay indicators look at one by one (about a tenth
-- of the fact): settlements that are not reversals and are an inpatient stay, carry a
-- critical-illness insurance payment (rule ci_high_cost; its threshold is positive) or are a
-- diabetes special-outpatient visit (rule diabetes_drug_cost). Reversed ones are still here:
-- int_settlements_screened_effective drops them. Month-incremental (dbt_project/README.md), so a
-- new month costs a pass over that month only. From the landed rows, with the fact's person
-- pseudonym and half-year: built beside the fact, not after it, like int_settlement_reversals.

with

settlements as (

    select *
    from {{ ref('stg_bureau__settlements') }}
    {{ where_month_changed('settlement_month', ref('stg_bureau__settlements')) }}

),

screened as (

    select
        settlement_id,
        {{ pseudonymize('person_id') }} as person_key,
        institution_code,
        scheme,
        visit_type,
        admission_date,
        discharge_date,
        settlement_date,
        settlement_month,
        {{ half_year('settlement_date') }} as half_year,
        diagnosis_code,
        total_cost,
        drug_cost,
        pooled_fund_paid,
        critical_illness_paid,
        account_paid,
        cash_paid,
        is_out_of_area,
        _load_id

    from settlements
    where not is_reversal
        and (
            visit_type = 'inpatient'
            or critical_illness_paid > 0
            or (visit_type = 'outpatient_special' and {{ is_diabetes('diagnosis_code') }})
        )

)

select * from screened
