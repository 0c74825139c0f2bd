-- Rule `overlapping_stays` (住院時間重疊): both stays A and B of one person when
-- A.admission_date < B.discharge_date and B.admission_date < A.discharge_date (one person cannot
-- lie in two beds). figure = the number of the person's other stays it overlaps; the reason names
-- the first of them (lowest settlement_id).
-- Counted day by day, not by a join of every pair of a person's stays: placeholder person IDs
-- (walk-in sales, unknown patients) give one ID thousands of stays, whose pairs grow with their
-- square, while the days grow with the bed-days. A stay is in a bed from its admission day to the
-- day before its discharge; a same-day stay never is. The other stays that a stay S overlaps,
-- each found once:
--   when S is in a bed: the others in a bed on S's admission day, and on each later day S is in
--     a bed, the stays admitted that day (same-day stays included);
--   when S is a same-day stay: the stays in a bed on its day that were admitted before it.

with

stays as (

    -- the stays that overlap another one (and a few that do not): in the order of admission of
    -- the person's stays, stay S overlaps another exactly when one admitted before it is still in
    -- a bed after S's admission day or one admitted after it comes in before S's discharge day.
    -- The stays S overlaps overlap S, so the counts below see every one of them.
    select settlement_id, institution_code, person_key, settlement_month, admission_date, discharge_date
    from (
        select
            settlement_id, institution_code, person_key, settlement_month, admission_date, discharge_date,
            max(discharge_date) over (
                in_admission_order rows between unbounded preceding and 1 preceding
            ) as latest_earlier_discharge_date,
            lead(admission_date) over in_admission_order as next_admission_date
        from {{ ref('int_stays_effective') }}
        window in_admission_order as (partition by person_key order by admission_date, discharge_date, settlement_id)
    ) as in_order
    where latest_earlier_discharge_date > admission_date or next_admission_date < discharge_date

),

stay_days as (

    -- each stay on each day it is in a bed, and a same-day stay on its day
    select
        stays.*,
        stays.admission_date + day_number as day,
        stays.admission_date + day_number < stays.discharge_date as is_in_bed

    from stays
    cross join lateral generate_series(0, greatest(stays.discharge_date - stays.admission_date - 1, 0)) as day_number

),

days as (

    -- each stay's day with the person's stays of that day: window functions, not a join with
    -- per-day counts, which the planner, its estimates far off for one busy person, may join on
    -- the person alone (the pairs again)
    select
        stay_days.*,
        count(*) filter (where is_in_bed) over same_day as in_bed,
        first_value(settlement_id) over in_bed_or_not as first_in_bed,
        nth_value(settlement_id, 2) over in_bed_or_not as second_in_bed,
        count(*) filter (where admission_date < day) over same_day as in_bed_since_before,
        min(settlement_id) filter (where admission_date < day) over same_day as first_in_bed_since_before,
        count(*) filter (where admission_date = day) over same_day as admitted,
        min(settlement_id) filter (where admission_date = day) over same_day as first_admitted

    from stay_days
    window
        same_day as (partition by person_key, day),
        in_bed_or_not as (
            partition by person_key, day, is_in_bed
            order by settlement_id
            rows between unbounded preceding and unbounded following
        )

),

overlapping as (

    select
        settlement_id,
        institution_code,
        person_key,
        settlement_month,
        sum(found.other_stays)::bigint as other_stays,
        min(found.first_other_settlement_id) as first_other_settlement_id

    from days
    cross join lateral (
        select
            case when day > admission_date then admitted
                 when is_in_bed then in_bed - 1
                 else in_bed_since_before end as other_stays,
            case when day > admission_date then first_admitted
                 when is_in_bed then case when first_in_bed = settlement_id then second_in_bed else first_in_bed end
                 else first_in_bed_since_before end as first_other_settlement_id
    ) as found

    group by settlement_id, institution_code, person_key, settlement_month
    having sum(found.other_stays) > 0

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
