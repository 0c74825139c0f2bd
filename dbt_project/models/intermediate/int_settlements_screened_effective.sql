-- Effective screened settlements (有效結算): the settlements of int_settlements_screened that no
-- valid settlement reverses (int_settlement_reversals). A reversal and the settlement it reverses
-- both drop out, which nets them: what the screening rules and the stay indicators count.
-- A view: callers' filters reach the scan.

with

screened as (

    select * from {{ ref('int_settlements_screened') }}

),

reversals as (

    select reversal_of from {{ ref('int_settlement_reversals') }}

),

effective as (

    select
        settlement_id,
        person_key,
        institution_code,
        scheme,
        visit_type,
        admission_date,
        discharge_date,
        settlement_date,
        settlement_month,
        half_year,
        diagnosis_code,
        total_cost,
        drug_cost,
        pooled_fund_paid,
        critical_illness_paid,
        account_paid,
        cash_paid,
        is_out_of_area

    from screened
    where not exists (
        select 1 from reversals where reversals.reversal_of = screened.settlement_id
    )

)

select * from effective
