-- Effective settlements (有效結算): the valid settlements that are neither reversals (沖正) nor
-- reversed by another valid settlement. What the screening rules and the institution indicators
-- count: a reversed settlement and its reversal both drop out, which nets them.
-- A view over fct_settlements: callers filter it (visit type, amount), and PostgreSQL pushes
-- those filters into the scan; the anti-join reads only the reversal rows' reversal_of.

with

settlements as (

    select * from {{ ref('fct_settlements') }}

),

reversed as (

    select distinct reversal_of as settlement_id
    from settlements
    where is_reversal

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
        eligible_cost,
        drug_cost,
        pooled_fund_paid,
        critical_illness_paid,
        assistance_paid,
        account_paid,
        cash_paid,
        is_out_of_area

    from settlements
    where not is_reversal
        and not exists (
            select 1 from reversed where reversed.settlement_id = settlements.settlement_id
        )

)

select * from effective
