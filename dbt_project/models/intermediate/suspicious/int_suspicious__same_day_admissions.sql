-- Rule `same_day_admissions` (入院時間較為集中, DOMAIN 5): every effective stay admitted at an
-- institution on a day with at least same_day_admissions_min (default 6) admissions there and at
-- least same_day_admissions_ratio (default 4) times the institution's mean daily admissions
-- (its effective stays ÷ the days from the first to the last settlement month of any stay).
-- figure = the admissions of that institution and day.

with

stays as not materialized (  -- read three times: each reader plans on the table itself

    select settlement_id, institution_code, person_key, settlement_month, admission_date
    from {{ ref('int_stays_effective') }}

),

parameters as (

    {{ select_policy_parameters(['same_day_admissions_min', 'same_day_admissions_ratio']) }}

),

data_span as (

    select ((max(settlement_month) + interval '1 month')::date - min(settlement_month)) as days
    from stays

),

admissions_by_day as (

    select institution_code, admission_date, count(*) as admissions
    from stays
    group by institution_code, admission_date

),

institution_mean as (

    select
        admissions_by_day.institution_code,
        sum(admissions_by_day.admissions)::numeric / data_span.days as mean_daily_admissions

    from admissions_by_day
    cross join data_span
    group by admissions_by_day.institution_code, data_span.days

),

crowded_days as (

    select
        admissions_by_day.institution_code,
        admissions_by_day.admission_date,
        admissions_by_day.admissions,
        institution_mean.mean_daily_admissions

    from admissions_by_day
    inner join institution_mean on institution_mean.institution_code = admissions_by_day.institution_code
    cross join parameters
    where admissions_by_day.admissions >= parameters.same_day_admissions_min
        and admissions_by_day.admissions >= parameters.same_day_admissions_ratio * institution_mean.mean_daily_admissions

),

flagged as (

    select
        stays.settlement_id,
        'same_day_admissions'::text as rule_id,
        stays.institution_code,
        stays.person_key,
        stays.settlement_month,
        crowded_days.admissions::numeric as figure,
        '該機構' || to_char(crowded_days.admission_date, 'YYYY-MM-DD') || '當日入院' || crowded_days.admissions
            || '人,為其日均入院' || to_char(crowded_days.mean_daily_admissions, 'FM9990.00')
            || '人的' || to_char(crowded_days.admissions / nullif(crowded_days.mean_daily_admissions, 0), 'FM99990.0')
            || '倍,入院時間集中 / ' || crowded_days.admissions || ' admissions at the institution on '
            || to_char(crowded_days.admission_date, 'YYYY-MM-DD') || ', against a mean of '
            || to_char(crowded_days.mean_daily_admissions, 'FM9990.00') || ' a day: concentrated admissions' as reason

    from stays
    inner join crowded_days
        on crowded_days.institution_code = stays.institution_code
        and crowded_days.admission_date = stays.admission_date

)

select * from flagged
