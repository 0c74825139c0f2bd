-- Out-of-area CI-insurance spending by destination institution and half-year (異地就醫大病保險
-- 支出): the authenticity check's worklist (DOMAIN 3: out-of-area care is checked for
-- authenticity, not inspected). One row per half-year and external institution (managed_by
-- `external`) with CI money paid or a CI-paid settlement in the half-year.
--   ci_fund_usage        Σ critical_illness_paid in the half-year, net of reversals
--   ci_share_of_period   ci_fund_usage ÷ Σ critical_illness_paid at all institutions in the half-year
--   ci_settlements       effective settlements (neither reversals nor reversed) with a CI payment
--   high_cost_cases      of these, CI payment ≥ ci_high_cost_threshold (30000): 高額費用病例
--   reviewed_cases, confirmed_cases   of these, with a case review; confirmed as violations
--   usage_rank           by ci_fund_usage, highest first, within the half-year (ties by code)

with

externals as (

    select institution_code, institution_name, county_code
    from {{ ref('dim_institutions') }}
    where managed_by = 'external'

),

sums as (

    select {{ half_year('settlement_month') }} as period, institution_code, critical_illness_paid
    from {{ ref('int_settlements_summed_by_institution_month') }}

),

ci_settlements as (

    select settlement_id, half_year as period, institution_code, critical_illness_paid
    from {{ ref('int_settlements_screened_effective') }}
    where critical_illness_paid > 0
        and institution_code in (select institution_code from externals)

),

reviews as (

    select settlement_id, outcome from {{ ref('int_case_reviews_latest') }}

),

parameters as (

    {{ select_policy_parameters(['ci_high_cost_threshold']) }}

),

period_totals as (

    select period, sum(critical_illness_paid) as ci_fund_total
    from sums
    group by period

),

usage as (

    select period, institution_code, sum(critical_illness_paid) as ci_fund_usage
    from sums
    where institution_code in (select institution_code from externals)
    group by period, institution_code

),

cases as (

    select
        ci_settlements.period,
        ci_settlements.institution_code,
        count(*) as ci_settlements,
        count(*) filter (where ci_settlements.critical_illness_paid >= parameters.ci_high_cost_threshold)
            as high_cost_cases,
        count(reviews.settlement_id) as reviewed_cases,
        count(*) filter (where reviews.outcome = 'confirmed') as confirmed_cases

    from ci_settlements
    cross join parameters
    left join reviews on reviews.settlement_id = ci_settlements.settlement_id
    group by ci_settlements.period, ci_settlements.institution_code

),

combined as (

    select
        coalesce(usage.period, cases.period) as period,
        coalesce(usage.institution_code, cases.institution_code) as institution_code,
        coalesce(usage.ci_fund_usage, 0) as ci_fund_usage,
        coalesce(cases.ci_settlements, 0) as ci_settlements,
        coalesce(cases.high_cost_cases, 0) as high_cost_cases,
        coalesce(cases.reviewed_cases, 0) as reviewed_cases,
        coalesce(cases.confirmed_cases, 0) as confirmed_cases

    from usage
    full outer join cases
        on cases.period = usage.period
        and cases.institution_code = usage.institution_code
    where coalesce(usage.ci_fund_usage, 0) <> 0 or cases.ci_settlements > 0

),

final as (

    select
        combined.period,
        combined.institution_code,
        externals.institution_name,
        externals.county_code,
        combined.ci_fund_usage::numeric(18, 2) as ci_fund_usage,
        (combined.ci_fund_usage / nullif(period_totals.ci_fund_total, 0))::numeric(18, 6) as ci_share_of_period,
        row_number() over (
            partition by combined.period
            order by combined.ci_fund_usage desc, combined.institution_code
        )::integer as usage_rank,
        combined.ci_settlements::integer as ci_settlements,
        combined.high_cost_cases::integer as high_cost_cases,
        combined.reviewed_cases::integer as reviewed_cases,
        combined.confirmed_cases::integer as confirmed_cases

    from combined
    inner join externals on externals.institution_code = combined.institution_code
    left join period_totals on period_totals.period = combined.period

)

select * from final
