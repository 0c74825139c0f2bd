-- Rule `overlapping_stays` (住院時間重疊): both stays A and B of one person when
-- A.admission_date < B.discharge_date and B.admission_date < A.discharge_date (one person cannot
-- lie in two beds). figure = the number of the person's other stays it overlaps.
-- The self-join is bounded by person and the overlap condition.

with

stays as not materialized (  -- read twice: a hash join on the table, not a sort of a materialized CTE

    select settlement_id, institution_code, person_key, settlement_month, admission_date, discharge_date
    from {{ ref('int_stays_effective') }}

),

overlapping as (

    select
        stay.settlement_id,
        stay.institution_code,
        stay.person_key,
        stay.settlement_month,
        count(*) as other_stays,
        min(other_stay.settlement_id) as first_other_settlement_id

    from stays as stay
    inner join stays as other_stay
        on other_stay.person_key = stay.person_key
        and other_stay.settlement_id <> stay.settlement_id
        and stay.admission_date < other_stay.discharge_date
        and other_stay.admission_date < stay.discharge_date

    group by stay.settlement_id, stay.institution_code, stay.person_key, stay.settlement_month

),

flagged as (

    select
        settlement_id,
        'overlapping_stays'::text as rule_id,
        institution_code,
        person_key,
        settlement_month,
        other_stays::numeric as figure,
        '住院期間與同一參保人另外' || other_stays || '次住院重疊(如' || first_other_settlement_id
            || ') / the stay overlaps ' || other_stays || ' other stay(s) of the same person (e.g. '
            || first_other_settlement_id || ')' as reason

    from overlapping

)

select * from flagged
