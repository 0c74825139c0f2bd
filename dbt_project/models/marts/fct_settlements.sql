{{ config_following_months('stg_bureau__settlements', indexes=[{'columns': ['settlement_id'], 'unique': True}]) }}

-- Settlements (結算): one row per valid settlement, reversals included with their negative
-- amounts, so sums net them. No personal data: the person appears only as a keyed pseudonym.
-- Month-incremental (dbt_project/README.md, "Incremental models").
-- settlement_id is kept unique by a unique index built after the bulk insert rather than a
-- primary-key constraint, which dbt would create before it.

with

settlements as (

    select * from {{ ref('stg_bureau__settlements') }}

),

selected as (

    select * from settlements
    {{ where_month_changed('settlement_month', ref('stg_bureau__settlements')) }}

),

final as (

    select
        settlement_id,
        reversal_of,
        is_reversal,
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
        _load_id

    from selected

)

select * from final
