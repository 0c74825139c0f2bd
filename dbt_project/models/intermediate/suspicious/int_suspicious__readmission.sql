-- Rule `readmission` (分解住院, DOMAIN 4-5): stay B when the same person has another stay A at the
-- same institution with 0 ≤ B.admission_date − A.discharge_date ≤ readmission_days (default 15)
-- and the same first three characters of diagnosis_code, unless those are one of
-- readmission_excluded_diagnoses (default Z51: planned chemotherapy and radiotherapy sessions). A
-- stay at another institution is a transfer, not a split admission. figure = the smallest such
-- gap in days; the reason names the earlier stay (the one with the smallest gap, then the lowest
-- settlement_id). The self-join is bounded by person, institution, diagnosis category and the
-- date window.

with

stays as not materialized (  -- read twice: a hash join on the table, not a sort of a materialized CTE

    select
        settlement_id, institution_code, person_key, settlement_month, admission_date,
        discharge_date, diagnosis_category
    from {{ ref('int_stays_effective') }}

),

parameters as (

    {{ select_policy_parameters(['readmission_days', 'readmission_excluded_diagnoses']) }}

),

pairs as (

    select
        later_stay.settlement_id,
        later_stay.institution_code,
        later_stay.person_key,
        later_stay.settlement_month,
        later_stay.diagnosis_category,
        earlier_stay.settlement_id as earlier_settlement_id,
        later_stay.admission_date - earlier_stay.discharge_date as gap_days

    from stays as later_stay
    cross join parameters
    inner join stays as earlier_stay
        on earlier_stay.person_key = later_stay.person_key
        and earlier_stay.institution_code = later_stay.institution_code
        and earlier_stay.diagnosis_category = later_stay.diagnosis_category
        and earlier_stay.settlement_id <> later_stay.settlement_id
        and earlier_stay.discharge_date between later_stay.admission_date - parameters.readmission_days::integer
                                            and later_stay.admission_date
    where later_stay.diagnosis_category <> all(
        string_to_array(replace(parameters.readmission_excluded_diagnoses, ' ', ''), ';'))

),

closest as (

    select distinct on (settlement_id) *
    from pairs
    order by settlement_id, gap_days, earlier_settlement_id

),

flagged as (

    select
        settlement_id,
        'readmission'::text as rule_id,
        institution_code,
        person_key,
        settlement_month,
        gap_days::numeric as figure,
        '前次住院(' || earlier_settlement_id || ')出院後' || gap_days || '天在同一機構以同一診斷('
            || diagnosis_category || ')再次入院,疑似分解住院 / readmitted ' || gap_days
            || ' days after the discharge of stay ' || earlier_settlement_id || ' at the same institution'
            || ' with the same diagnosis (' || diagnosis_category || '): split-admission risk' as reason

    from closest

)

select * from flagged
