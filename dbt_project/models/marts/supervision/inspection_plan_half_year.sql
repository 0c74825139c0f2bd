-- The half-year inspection plan (半年度現場檢查計劃, 貴港 plan §四(二)2: 選取3-6家…原則上不重複檢查):
-- for each half-year and ranking scope, the institutions proposed for on-site inspection, picked
-- from institution_ranking_half_year in this order (pick_order):
--   1. the candidates (is_candidate: on a list and not inspected on site within
--      inspection_lookback_months), by their position on the lists — the better of usage_rank
--      (usage list) and growth_rank (growth list), the usage list first at the same position,
--      then institution_code — at most inspection_plan_max (6) of them;
--   2. while the plan has fewer than inspection_plan_min (3): the scope's other ranked
--      institutions not inspected recently, by usage_rank (補足);
--   3. and then the recently inspected ones, the longest ago first (原則上 = in principle).
-- A scope with fewer ranked institutions than inspection_plan_min has them all. reason says why
-- each was picked, in Chinese. The follow-up is the half-year after the period (the plan is drawn
-- when the period has ended): its first on-site inspection of the institution, if any.
--   inspection_status  `inspected`; `pending` while the following half-year is not over in the
--                      data (dim_months); else `not_inspected`

with

ranking as (

    select * from {{ ref('institution_ranking_half_year') }}

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

tiered as (

    select
        ranking.*,
        case
            when ranking.is_candidate then 1
            when not ranking.recently_inspected then 2
            else 3
        end as tier,
        case when ranking.is_candidate then
            least(
                case when ranking.is_top_usage then ranking.usage_rank end,
                case when ranking.is_top_growth then ranking.growth_rank end
            )
        end as list_position

    from ranking

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
                case when tiered.tier = 3 then tiered.last_onsite_date end,
                tiered.usage_rank,
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

reasoned as (

    select
        picked.*,
        '大病保險資金使用排名第' || picked.usage_rank || '(' || {{ format_yuan('picked.ci_fund_usage') }} || '元)'
            as usage_text,
        case when picked.is_top_growth then
            '費用增速排名第' || picked.growth_rank || '(+' || {{ format_percent('picked.growth_rate') }} || ')'
        end as growth_text

    from picked

),

with_reason as (

    select
        reasoned.*,
        case reasoned.tier
            when 1 then concat_ws(';',
                case when reasoned.is_top_usage then reasoned.usage_text end, reasoned.growth_text)
            when 2 then '候選不足,補足計劃數:' || reasoned.usage_text
            else '候選不足,補足計劃數:' || reasoned.usage_text || ';近'
                || {{ format_number('reasoned.inspection_lookback_months') }} || '個月內已現場檢查('
                || to_char(reasoned.last_onsite_date, 'YYYY-MM-DD') || ')'
        end as reason,
        ({{ half_year_first_day('reasoned.period') }} + interval '6 months')::date as follow_up_start

    from reasoned

),

followed_up as (

    select
        with_reason.*,
        first_inspection.inspection_id,
        first_inspection.inspection_date,
        first_inspection.trigger as inspection_trigger,
        first_inspection.finding,
        first_inspection.action,
        first_inspection.involved_amount,
        first_inspection.recovered_amount

    from with_reason
    left join lateral (
        select *
        from onsite_inspections
        where onsite_inspections.institution_code = with_reason.institution_code
            and onsite_inspections.inspection_date >= with_reason.follow_up_start
            and onsite_inspections.inspection_date < with_reason.follow_up_start + interval '6 months'
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
        followed_up.ci_fund_usage,
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
