-- Rule `long_stay` (掛床住院 risk, DOMAIN 4 and "Screening rules"): an effective stay whose
-- bed-days are at least long_stay_ratio (default 3) times the median of its peer group and whose
-- cost per bed-day is at most long_stay_daily_cost_ratio (default 0.33) times the peer median:
-- far longer than the norm while little is charged (a patient on the books without care). Peer
-- group: the effective stays at institutions of the same type and hospital level with the same
-- 3-character diagnosis, over all data (the stay included), used only when it has at least
-- long_stay_min_peer_stays (default 5) stays. figure = the stay's bed-days.

with

stays as (

    select
        settlement_id, institution_code, person_key, settlement_month, institution_type, hospital_level,
        diagnosis_category, bed_days, total_cost / bed_days as cost_per_bed_day
    from {{ ref('int_stays_effective') }}

),

parameters as (

    {{ select_policy_parameters(['long_stay_ratio', 'long_stay_daily_cost_ratio', 'long_stay_min_peer_stays']) }}

),

peers as (

    select
        institution_type,
        hospital_level,
        diagnosis_category,
        count(*) as peer_stays,
        percentile_cont(0.5) within group (order by bed_days) as median_bed_days,
        percentile_cont(0.5) within group (order by cost_per_bed_day) as median_cost_per_bed_day

    from stays
    group by institution_type, hospital_level, diagnosis_category

),

flagged as (

    select
        stays.settlement_id,
        'long_stay'::text as rule_id,
        stays.institution_code,
        stays.person_key,
        stays.settlement_month,
        stays.bed_days::numeric as figure,
        '住院' || stays.bed_days || '天,為同類同級機構同病種(' || stays.diagnosis_category || ')中位數'
            || {{ format_number('peers.median_bed_days') }} || '天的'
            || to_char(stays.bed_days / peers.median_bed_days, 'FM9990.0') || '倍,床日費用'
            || {{ format_yuan('stays.cost_per_bed_day') }} || '元(中位數' || {{ format_yuan('peers.median_cost_per_bed_day') }}
            || '元),疑似掛床住院 / ' || stays.bed_days || ' bed-days against a peer median of '
            || {{ format_number('peers.median_bed_days') }} || ' for ' || stays.diagnosis_category
            || ' at the same type and level of institution, at ' || {{ format_yuan('stays.cost_per_bed_day') }}
            || ' yuan a bed-day (median ' || {{ format_yuan('peers.median_cost_per_bed_day') }}
            || '): hanging-bed risk' as reason

    from stays
    inner join peers
        on peers.institution_type = stays.institution_type
        and peers.hospital_level = stays.hospital_level
        and peers.diagnosis_category = stays.diagnosis_category
    cross join parameters
    where peers.peer_stays >= parameters.long_stay_min_peer_stays
        and stays.bed_days >= parameters.long_stay_ratio * peers.median_bed_days
        and stays.cost_per_bed_day <= parameters.long_stay_daily_cost_ratio * peers.median_cost_per_bed_day

)

select * from flagged
