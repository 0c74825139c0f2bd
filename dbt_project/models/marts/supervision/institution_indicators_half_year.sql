-- Institution indicators against their peers (醫療機構費用指標, DOMAIN 7 雙控): one row per
-- half-year, institution and indicator, from the institution's effective settlements that are not
-- out-of-area care (is_out_of_area = false), at the prefecture's own institutions (not external
-- ones); a row only where the denominator is positive.
--   cost_per_stay          Σ total_cost of stays ÷ stays                      (住院次均費用)
--   cost_per_bed_day       Σ total_cost of stays ÷ Σ bed-days                (床日費用)
--   drug_share             Σ drug_cost ÷ Σ total_cost, all visit types      (藥佔比)
--   self_pay_share         Σ (account_paid + cash_paid) ÷ Σ total_cost, all  (個人負擔率)
--   admissions_per_person  stays ÷ distinct persons with a stay              (人次人頭比)
-- Peers: the institutions of the same type and hospital level with that indicator in the
-- half-year, the institution included. peer_median and peer_p90 are PostgreSQL's
-- percentile_cont(0.5) and percentile_cont(0.9); is_above_peer_p90 = value > peer_p90.

{% set indicators = ['cost_per_stay', 'cost_per_bed_day', 'drug_share', 'self_pay_share', 'admissions_per_person'] %}

with

monthly_costs as (

    select {{ half_year('settlement_month') }} as period, institution_code, total_cost, drug_cost, self_paid
    from {{ ref('int_settlements_summed_by_institution_month') }}
    where not is_out_of_area

),

reversed as (

    -- settlements a reversal cancels: still in monthly_costs, taken out again here
    select
        half_year as period,
        institution_code,
        -total_cost as total_cost,
        -drug_cost as drug_cost,
        -(coalesce(account_paid, 0) + coalesce(cash_paid, 0)) as self_paid
    from {{ ref('fct_settlements') }}
    where settlement_id in (select reversal_of from {{ ref('int_settlement_reversals') }})
        and not is_reversal
        and not is_out_of_area

),

stays as (

    select half_year as period, institution_code, person_key, total_cost, bed_days
    from {{ ref('int_stays_effective') }}
    where not is_out_of_area

),

institutions as (

    select institution_code, institution_type, coalesce(hospital_level, '') as hospital_level, county_code
    from {{ ref('dim_institutions') }}
    where managed_by <> 'external'

),

all_visits as (

    -- the effective settlements of every visit type, per half-year
    select
        period,
        institution_code,
        sum(total_cost) as total_cost,
        sum(drug_cost) as drug_cost,
        sum(self_paid) as self_paid
    from (
        select * from monthly_costs
        union all
        select * from reversed
    ) as costs
    group by period, institution_code

),

stay_sums as (

    -- the stays only (a few per cent of the settlements), where persons are counted
    select
        period,
        institution_code,
        count(*) as stays,
        count(distinct person_key) as inpatient_persons,
        sum(total_cost) as inpatient_cost,
        sum(bed_days) as bed_days

    from stays
    group by period, institution_code

),

sums as (

    select
        all_visits.period,
        all_visits.institution_code,
        coalesce(stay_sums.stays, 0) as stays,
        coalesce(stay_sums.inpatient_persons, 0) as inpatient_persons,
        coalesce(stay_sums.inpatient_cost, 0) as inpatient_cost,
        coalesce(stay_sums.bed_days, 0) as bed_days,
        all_visits.total_cost,
        all_visits.drug_cost,
        all_visits.self_paid

    from all_visits
    left join stay_sums
        on stay_sums.period = all_visits.period
        and stay_sums.institution_code = all_visits.institution_code

),

measured as (

    select sums.period, sums.institution_code, ratios.indicator, ratios.numerator, ratios.denominator
    from sums
    cross join lateral (
        values
            ('cost_per_stay'::text, sums.inpatient_cost, sums.stays::numeric),
            ('cost_per_bed_day', sums.inpatient_cost, sums.bed_days::numeric),
            ('drug_share', sums.drug_cost, sums.total_cost),
            ('self_pay_share', sums.self_paid, sums.total_cost),
            ('admissions_per_person', sums.stays::numeric, sums.inpatient_persons::numeric)
    ) as ratios (indicator, numerator, denominator)
    where ratios.denominator > 0

),

valued as (

    select
        measured.*,
        measured.numerator / measured.denominator as value,
        institutions.institution_type,
        institutions.hospital_level,
        institutions.county_code

    from measured
    inner join institutions on institutions.institution_code = measured.institution_code

),

peers as (

    select
        period,
        institution_type,
        hospital_level,
        indicator,
        count(*) as peer_count,
        percentile_cont(0.5) within group (order by value) as peer_median,
        percentile_cont(0.9) within group (order by value) as peer_p90

    from valued
    group by period, institution_type, hospital_level, indicator

),

final as (

    select
        valued.period,
        valued.institution_code,
        valued.institution_type,
        nullif(valued.hospital_level, '') as hospital_level,
        valued.county_code,
        valued.indicator,
        valued.value::numeric(18, 6) as value,
        valued.numerator::numeric(18, 2) as numerator,
        valued.denominator::numeric(18, 2) as denominator,
        peers.peer_count::integer as peer_count,
        peers.peer_median::numeric(18, 6) as peer_median,
        peers.peer_p90::numeric(18, 6) as peer_p90,
        valued.value > peers.peer_p90 as is_above_peer_p90

    from valued
    inner join peers
        on peers.period = valued.period
        and peers.institution_type = valued.institution_type
        and peers.hospital_level = valued.hospital_level
        and peers.indicator = valued.indicator

)

select * from final
