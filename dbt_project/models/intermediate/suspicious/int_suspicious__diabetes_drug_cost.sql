-- Rule `diabetes_drug_cost` (糖尿病門診藥品費用超限, DOMAIN 7): effective special-outpatient
-- settlements (門診慢特病) with a diabetes diagnosis (ICD-10 E10-E14) from the one at which the
-- person's drug cost of such settlements in the calendar year exceeds diabetes_drug_cost_cap
-- (default 10000 yuan) on: above the cap the drugs leave card settlement. Settlements are counted
-- in order of settlement_date, then settlement_id. figure = the running drug cost of the year.

with

parameters as (

    {{ select_policy_parameters(['diabetes_drug_cost_cap']) }}

),

over_the_cap as (

    -- the running sum only grows (no negative cost outside reversals): only the persons whose
    -- total of a year exceeds the cap need it, a few of all. Summed over the screened settlements,
    -- reversed ones included, whose totals are at least the effective ones: a superset of the
    -- persons, found without the effective view's anti-join with the reversals. The cap as a
    -- scalar subquery keeps the grouping by person and year alone.
    select person_key
    from {{ ref('int_settlements_screened') }}
    where visit_type = 'outpatient_special'
        and {{ is_diabetes('diagnosis_code') }}
    group by person_key, extract(year from settlement_date)
    having sum(drug_cost) > (select diabetes_drug_cost_cap from parameters)

),

settlements as materialized (

    -- the effective settlements of those persons, found before the running sum sorts them: as a
    -- filter of the running sum, the plan sorted every diabetes settlement for a merge join
    -- with the few persons, which took longer
    select
        settlement_id, institution_code, person_key, settlement_month, settlement_date,
        extract(year from settlement_date) as year, drug_cost
    from {{ ref('int_settlements_screened_effective') }}
    where visit_type = 'outpatient_special'
        and {{ is_diabetes('diagnosis_code') }}
        and person_key in (select person_key from over_the_cap)

),

running as (

    select
        settlements.*,
        sum(settlements.drug_cost) over (
            partition by settlements.person_key, settlements.year
            order by settlements.settlement_date, settlements.settlement_id
            rows between unbounded preceding and current row
        ) as year_drug_cost

    from settlements

),

flagged as (

    select
        running.settlement_id,
        'diabetes_drug_cost'::text as rule_id,
        running.institution_code,
        running.person_key,
        running.settlement_month,
        running.year_drug_cost as figure,
        '該參保人' || extract(year from running.settlement_date) || '年糖尿病門診慢特病藥品費累計'
            || {{ format_yuan('running.year_drug_cost') }} || '元,超過' || {{ format_number('parameters.diabetes_drug_cost_cap') }}
            || '元年度限額 / diabetes special-outpatient drug cost of the person in '
            || extract(year from running.settlement_date) || ' reaches ' || {{ format_yuan('running.year_drug_cost') }}
            || ' yuan, above the yearly cap of ' || {{ format_number('parameters.diabetes_drug_cost_cap') }} || ' yuan' as reason

    from running
    cross join parameters
    where running.year_drug_cost > parameters.diabetes_drug_cost_cap

)

select * from flagged
