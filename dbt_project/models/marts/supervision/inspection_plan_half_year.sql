-- The half-year inspection plan (半年度現場檢查計劃, 貴港 plan §四(二)2: 選取3-6家…原則上不重複檢查):
-- for each half-year with settlements and each ranking scope (`city`, every county), the
-- institutions proposed for on-site inspection, in this order (pick_order):
--   1. the candidates of institution_ranking_half_year (on a list and not inspected on site
--      within inspection_lookback_months), by their position on the lists — the better of
--      usage_rank (usage list) and growth_rank (growth list), the usage list first at the same
--      position, then institution_code — at most inspection_plan_max (6) of them;
--   then, while the plan has fewer than inspection_plan_min (3) (補足):
--   2. the scope's other institutions with CI usage not inspected recently, by usage_rank;
--   3. the scope's institutions without CI usage but with pooled-fund spending in the half-year,
--      not inspected recently, the largest spending first;
--   4. the recently inspected ones, the longest ago first.
-- External institutions are in no scope. reason says why each was picked, in Chinese. The plan
-- is drawn when the period has ended; the follow-up is the half-year after it: the first on-site
-- inspection of the institution then, if any.
--   inspection_status  `inspected`; `pending` while the following half-year is not over in the
--                      data (dim_months); else `not_inspected`

with

ranking as (

    select * from {{ ref('institution_ranking_half_year') }}

),

institutions as (

    select institution_code, institution_name, county_code, ranking_scope as scope
    from {{ ref('dim_institutions') }}
    where ranking_scope is not null

),

spending as (

    select
        {{ half_year('settlement_month') }} as period,
        institution_code,
        sum(pooled_fund_paid) as pooled_fund_paid

    from {{ ref('int_settlements_summed_by_institution_month') }}
    group by 1, 2

),

parameters as (

    {{ select_policy_parameters(['inspection_plan_min', 'inspection_plan_max', 'inspection_lookback_months']) }}

),

onsite_inspections as (

    select inspection_id, institution_code, inspection_date, trigger, finding, action, involved_amount,
           recovered_amount
    from {{ ref('stg_bureau__inspections') }}
    where is_onsite

),

latest as (

    select month as latest_month from {{ ref('dim_months') }} where is_latest_data_month

),

pool as (

    -- every institution of a scope that used CI money or the pooled fund in the half-year
    select
        spending.period,
        institutions.scope,
        institutions.institution_code,
        institutions.institution_name,
        institutions.county_code,
        coalesce(ranking.ci_fund_usage, 0) as ci_fund_usage,
        ranking.usage_rank,
        ranking.growth_rate,
        ranking.growth_rank,
        coalesce(ranking.is_top_usage, false) as is_top_usage,
        coalesce(ranking.is_top_growth, false) as is_top_growth,
        coalesce(ranking.is_candidate, false) as is_candidate,
        spending.pooled_fund_paid,
        {{ half_year_end('spending.period_start') }} as period_end_date

    from (select spending.*, {{ half_year_first_day('spending.period') }} as period_start from spending) as spending
    inner join institutions on institutions.institution_code = spending.institution_code
    left join ranking
        on ranking.period = spending.period
        and ranking.institution_code = spending.institution_code
    where ranking.institution_code is not null or spending.pooled_fund_paid > 0

),

inspected_before as (

    -- as institution_ranking_half_year: the latest on-site inspection by the period's end, and
    -- whether it falls within inspection_lookback_months of it
    select
        pool.*,
        last_onsite.last_onsite_date,
        coalesce(
            last_onsite.last_onsite_date
                > pool.period_end_date - parameters.inspection_lookback_months * interval '1 month',
            false
        ) as recently_inspected

    from pool
    cross join parameters
    left join lateral (
        select max(onsite_inspections.inspection_date) as last_onsite_date
        from onsite_inspections
        where onsite_inspections.institution_code = pool.institution_code
            and onsite_inspections.inspection_date <= pool.period_end_date
    ) as last_onsite on true

),

tiered as (

    select
        inspected_before.*,
        case
            when is_candidate then 1
            when recently_inspected then 4
            when usage_rank is not null then 2
            else 3
        end as tier,
        case when is_candidate then
            least(case when is_top_usage then usage_rank end, case when is_top_growth then growth_rank end)
        end as list_position

    from inspected_before

),

ordered as (

    select
        tiered.*,
        row_number() over (
            partition by tiered.period, tiered.scope
            order by
                tiered.tier,
                tiered.list_position,
                tiered.is_top_usage and tiered.usage_rank = tiered.list_position desc,
                case when tiered.tier = 4 then tiered.last_onsite_date end,
                tiered.usage_rank,
                tiered.pooled_fund_paid desc,
                tiered.institution_code
        ) as pick_order

    from tiered

),

picked as (

    select ordered.*, parameters.inspection_lookback_months
    from ordered
    cross join parameters
    where (ordered.tier = 1 and ordered.pick_order <= parameters.inspection_plan_max)
        or ordered.pick_order <= parameters.inspection_plan_min

),

with_reason as (

    select
        picked.*,
        case
            when picked.usage_rank is not null then
                '大病保險資金使用排名第' || picked.usage_rank || '(' || {{ format_yuan('picked.ci_fund_usage') }} || '元)'
            else '統籌基金支出' || {{ format_yuan('picked.pooled_fund_paid') }} || '元'
        end as usage_text,
        case when picked.is_top_growth then
            '費用增速排名第' || picked.growth_rank || '(+' || {{ format_percent('picked.growth_rate') }} || ')'
        end as growth_text,
        (picked.period_end_date + 1) as follow_up_start

    from picked

),

reasoned as (

    select
        with_reason.*,
        case with_reason.tier
            when 1 then concat_ws(';',
                case when with_reason.is_top_usage then with_reason.usage_text end, with_reason.growth_text)
            when 4 then '候選不足,補足計劃數:' || with_reason.usage_text || ';近'
                || {{ format_number('with_reason.inspection_lookback_months') }} || '個月內已現場檢查('
                || to_char(with_reason.last_onsite_date, 'YYYY-MM-DD') || ')'
            else '候選不足,補足計劃數:' || with_reason.usage_text
        end as reason

    from with_reason

),

followed_up as (

    select
        reasoned.*,
        first_inspection.inspection_id,
        first_inspection.inspection_date,
        first_inspection.trigger as inspection_trigger,
        first_inspection.finding,
        first_inspection.action,
        first_inspection.involved_amount,
        first_inspection.recovered_amount

    from reasoned
    left join lateral (
        select *
        from onsite_inspections
        where onsite_inspections.institution_code = reasoned.institution_code
            and onsite_inspections.inspection_date >= reasoned.follow_up_start
            and onsite_inspections.inspection_date < reasoned.follow_up_start + interval '6 months'
        order by onsite_inspections.inspection_date, onsite_inspections.inspection_id
        limit 1
    ) as first_inspection on true

),

final as (

    select
        followed_up.period,
        followed_up.scope,
        followed_up.pick_order::integer as pick_order,
        followed_up.institution_code,
        followed_up.institution_name,
        followed_up.county_code,
        followed_up.ci_fund_usage::numeric(18, 2) as ci_fund_usage,
        followed_up.usage_rank,
        followed_up.growth_rate,
        followed_up.growth_rank,
        followed_up.is_candidate,
        followed_up.last_onsite_date,
        followed_up.reason,
        case
            when followed_up.inspection_id is not null then 'inspected'
            when latest.latest_month < (followed_up.follow_up_start + interval '5 months')::date then 'pending'
            else 'not_inspected'
        end as inspection_status,
        followed_up.inspection_id,
        followed_up.inspection_date,
        followed_up.inspection_trigger,
        followed_up.finding,
        followed_up.action,
        followed_up.involved_amount,
        followed_up.recovered_amount

    from followed_up
    left join latest on true

)

select * from final
