-- Rule `readmission` (分解住院, DOMAIN 4-5): stay B when the same person has another stay A at the
-- same institution with 0 ≤ B.admission_date − A.discharge_date ≤ readmission_days (default 15)
-- and the same first three characters of diagnosis_code, unless those are one of
-- readmission_excluded_diagnoses (default Z51: planned chemotherapy and radiotherapy sessions). A
-- stay at another institution is a transfer, not a split admission. figure = the smallest such
-- gap in days; the reason names the earlier stay (the one with the smallest gap, then the lowest
-- settlement_id).
-- A sorted sweep, not a join of every pair of a person's stays: placeholder person IDs (walk-in
-- sales, unknown patients) give one ID thousands of stays, whose pairs grow with their square.
-- Per person, institution and diagnosis category, the discharge days and the admissions are
-- sorted together (a day's discharges before its admissions); each admission takes the latest
-- discharge day before it. The one stay that must not count is B itself, discharged on its
-- admission day: then A is another stay of that day, else one of the discharge day before.
-- Window functions only, no join: joined back to the discharge days, the sweep was planned (its
-- estimates far off for one busy person) as a join of every admission with every discharge day
-- of its group, the pairs again.

with

parameters as (

    {{ select_policy_parameters(['readmission_days', 'readmission_excluded_diagnoses']) }}

),

stays as (

    -- the stays of a person, institution and category with more than one stay (few of all):
    -- the others have no earlier stay
    select *
    from (
        select
            settlement_id, institution_code, person_key, settlement_month, admission_date, discharge_date,
            diagnosis_category,
            count(*) over (partition by person_key, institution_code, diagnosis_category) as stays_of_group
        from {{ ref('int_stays_effective') }}
    ) as counted
    where stays_of_group > 1

),

discharge_days as (

    -- the days on which stays of a person, institution and category end: the first two of the
    -- day's stays (by settlement_id), and the discharge day before with its first stay
    select
        person_key, institution_code, diagnosis_category, discharge_date,
        (array_agg(settlement_id order by settlement_id))[1:2] as first_settlement_ids,
        lag(discharge_date) over earlier_days as previous_discharge_date,
        lag(min(settlement_id)) over earlier_days as previous_first_settlement_id

    from stays
    group by person_key, institution_code, diagnosis_category, discharge_date
    window earlier_days as (partition by person_key, institution_code, diagnosis_category order by discharge_date)

),

sweep as (

    -- the discharge days and the admissions in date order, a day's discharges first; each row
    -- with the number of discharge days up to it
    select
        *,
        count(*) filter (where settlement_id is null) over (
            partition by person_key, institution_code, diagnosis_category
            order by day, settlement_id nulls first
            rows between unbounded preceding and current row
        ) as discharge_days_so_far

    from (
        select
            person_key, institution_code, diagnosis_category, discharge_date as day, null::text as settlement_id,
            null::date as settlement_month, first_settlement_ids, previous_discharge_date,
            previous_first_settlement_id
        from discharge_days
        union all
        select
            person_key, institution_code, diagnosis_category, admission_date, settlement_id, settlement_month,
            null, null, null
        from stays
    ) as days_and_admissions

),

latest_discharge_days as (

    -- each row with the latest discharge day up to it: the first row of its number
    select
        sweep.*,
        first_value(day) over since_discharge_day as discharge_date,
        first_value(first_settlement_ids) over since_discharge_day as discharged_settlement_ids,
        first_value(previous_discharge_date) over since_discharge_day as day_before_discharge_date,
        first_value(previous_first_settlement_id) over since_discharge_day as day_before_settlement_id

    from sweep
    window since_discharge_day as (
        partition by person_key, institution_code, diagnosis_category, discharge_days_so_far
        order by day, settlement_id nulls first
    )

),

closest as (

    select
        admissions.settlement_id,
        admissions.institution_code,
        admissions.person_key,
        admissions.settlement_month,
        admissions.diagnosis_category,
        coalesce(other_stay.settlement_id, admissions.day_before_settlement_id) as earlier_settlement_id,
        admissions.day - case when other_stay.settlement_id is null then admissions.day_before_discharge_date
                              else admissions.discharge_date end as gap_days

    from latest_discharge_days as admissions
    cross join lateral (
        -- the day's first stay other than B (B is among them when discharged on its admission day)
        select (array_remove(admissions.discharged_settlement_ids, admissions.settlement_id))[1] as settlement_id
    ) as other_stay
    where admissions.settlement_id is not null
        and admissions.discharge_days_so_far > 0

),

flagged as (

    select
        closest.settlement_id,
        'readmission'::text as rule_id,
        closest.institution_code,
        closest.person_key,
        closest.settlement_month,
        closest.gap_days::numeric as figure,
        '前次住院(' || closest.earlier_settlement_id || ')出院後' || closest.gap_days || '天在同一機構以同一診斷('
            || closest.diagnosis_category || ')再次入院,疑似分解住院 / readmitted ' || closest.gap_days
            || ' days after the discharge of stay ' || closest.earlier_settlement_id || ' at the same institution'
            || ' with the same diagnosis (' || closest.diagnosis_category || '): split-admission risk' as reason

    from closest
    cross join parameters
    where closest.gap_days <= parameters.readmission_days::integer
        and closest.diagnosis_category <> all(
            string_to_array(replace(parameters.readmission_excluded_diagnoses, ' ', ''), ';'))

)

select * from flagged
