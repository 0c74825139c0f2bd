-- Half-year CI-insurance ranking of institutions (大病保險資金使用排名): one row per half-year and
-- institution with CI usage > 0, for picking on-site inspections (貴港 plan §四(二)2).
--   scope             `city` for city-managed institutions (市本級), else the county_code;
--                     external institutions (異地定點) are in no scope and have no row
--   usage_rank        by ci_fund_usage, highest first, within period and scope
--   growth_rate       vs the same half of the previous year; NULL when that is below
--                     growth_min_base (100000 yuan)
--   growth_rank       by growth_rate among the positive ones (費用增速: a falling institution
--                     is not fast-growing), city scope only
--   last_onsite_date  latest onsite/special/joint_patrol/flying inspection on or before the
--                     period's last day
--   is_candidate      (is_top_usage or is_top_growth) and not recently_inspected
-- Ties are broken by institution_code ascending, so ranks are unique. Flags and ranks are
-- computed on the unrounded growth rate; the stored rate is rounded to 6 decimals.

with

settlement_sums as (

    select settlement_month, institution_code, critical_illness_paid
    from {{ ref('int_settlements_summed_by_institution_month') }}

),

institutions as (

    select institution_code, institution_name, county_code, ranking_scope
    from {{ ref('dim_institutions') }}
    where ranking_scope is not null

),

onsite_inspections as (

    select institution_code, inspection_date
    from {{ ref('stg_bureau__inspections') }}
    where is_onsite

),

parameters as (

    {{ select_policy_parameters([
        'growth_min_base', 'top_usage_city', 'top_usage_county', 'top_growth_city',
        'inspection_lookback_months',
    ]) }}

),

usage_by_half_year as (

    select
        institution_code,
        {{ half_year_start('settlement_month') }} as period_start_date,
        sum(critical_illness_paid) as ci_fund_usage

    from settlement_sums
    group by 1, 2

),

used as (

    select
        {{ half_year('current_half.period_start_date') }} as period,
        {{ half_year_end('current_half.period_start_date') }} as period_end_date,
        current_half.institution_code,
        current_half.ci_fund_usage,
        coalesce(previous_year.ci_fund_usage, 0) as prev_ci_fund_usage

    from usage_by_half_year as current_half
    left join usage_by_half_year as previous_year
        on previous_year.institution_code = current_half.institution_code
        and previous_year.period_start_date = (current_half.period_start_date - interval '1 year')::date

    where current_half.ci_fund_usage > 0

),

with_growth as (

    select
        used.*,
        institutions.institution_name,
        institutions.county_code,
        institutions.ranking_scope as scope,
        case
            when used.prev_ci_fund_usage < parameters.growth_min_base then null
            else (used.ci_fund_usage - used.prev_ci_fund_usage) / nullif(used.prev_ci_fund_usage, 0)
        end as growth_rate

    from used
    inner join institutions on institutions.institution_code = used.institution_code
    cross join parameters

),

ranked as (

    select
        with_growth.*,
        row_number() over (
            partition by period, scope
            order by ci_fund_usage desc, institution_code
        ) as usage_rank,
        case when scope = 'city' and growth_rate > 0 then
            row_number() over (
                partition by period, scope, growth_rate > 0
                order by growth_rate desc, institution_code
            )
        end as growth_rank

    from with_growth

),

last_onsite as (

    select
        ranked.period,
        ranked.institution_code,
        max(onsite_inspections.inspection_date) as last_onsite_date

    from ranked
    inner join onsite_inspections
        on onsite_inspections.institution_code = ranked.institution_code
        and onsite_inspections.inspection_date <= ranked.period_end_date

    group by ranked.period, ranked.institution_code

),

flagged as (

    select
        ranked.*,
        last_onsite.last_onsite_date,
        case
            when ranked.scope = 'city' then ranked.usage_rank <= parameters.top_usage_city
            else ranked.usage_rank <= parameters.top_usage_county
        end as is_top_usage,
        ranked.scope = 'city'
            and coalesce(ranked.growth_rank <= parameters.top_growth_city, false) as is_top_growth,
        coalesce(
            last_onsite.last_onsite_date
                > ranked.period_end_date - parameters.inspection_lookback_months * interval '1 month',
            false
        ) as recently_inspected

    from ranked
    cross join parameters
    left join last_onsite
        on last_onsite.period = ranked.period
        and last_onsite.institution_code = ranked.institution_code

),

final as (

    select
        period,
        scope,
        institution_code,
        institution_name,
        county_code,
        ci_fund_usage::numeric(18, 2) as ci_fund_usage,
        usage_rank::integer as usage_rank,
        prev_ci_fund_usage::numeric(18, 2) as prev_ci_fund_usage,
        growth_rate::numeric(18, 6) as growth_rate,
        growth_rank::integer as growth_rank,
        is_top_usage,
        is_top_growth,
        last_onsite_date,
        recently_inspected,
        (is_top_usage or is_top_growth) and not recently_inspected as is_candidate

    from flagged

)

select * from final
