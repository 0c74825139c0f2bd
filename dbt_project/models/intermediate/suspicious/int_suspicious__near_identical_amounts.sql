-- Rule `near_identical_amounts` (出院報銷金額接近, DOMAIN 5): effective stays of one institution
-- and settlement month whose total costs (醫療總費用: a package price shows in the billed amount;
-- the fund's share also varies with the patient's scheme and deductible) fall in one band of
-- relative width near_identical_band (default 0.02), when the band holds at least
-- near_identical_min_stays (default 5) stays and at least near_identical_min_share (default 0.2)
-- of the institution's stays of the month.
-- Bands: two grids over ln(total_cost), with steps of ln(1 + band), the second shifted by half a
-- step. Costs in one band differ by less than the band (2 %); costs within half the band (1 %)
-- of each other always share a band of one of the grids. A stay is flagged when a band of either
-- grid qualifies; figure = the stays in its largest qualifying band. The counts are grouped and
-- joined back (hash aggregates of a few thousand groups), not window functions over sorted stays.

with

stays as (

    select settlement_id, institution_code, person_key, settlement_month, total_cost
    from {{ ref('int_stays_effective') }}
    where total_cost > 0

),

parameters as (

    {{ select_policy_parameters(['near_identical_band', 'near_identical_min_stays', 'near_identical_min_share']) }}

),

banded as not materialized (  -- read four times: each reader scans the table

    select
        stays.*,
        floor(ln(stays.total_cost::float8) / ln(1 + parameters.near_identical_band::float8)) as band_a,
        floor(ln(stays.total_cost::float8) / ln(1 + parameters.near_identical_band::float8) + 0.5) as band_b

    from stays
    cross join parameters

),

months as (

    select institution_code, settlement_month, count(*) as month_stays
    from banded
    group by institution_code, settlement_month

),

{% for grid in ['a', 'b'] %}
qualifying_{{ grid }} as (

    select bands.*, months.month_stays
    from (
        select
            institution_code, settlement_month, band_{{ grid }},
            count(*) as stays_{{ grid }},
            min(total_cost) as lowest_{{ grid }},
            max(total_cost) as highest_{{ grid }}
        from banded
        group by institution_code, settlement_month, band_{{ grid }}
    ) as bands
    inner join months using (institution_code, settlement_month)
    cross join parameters
    where bands.stays_{{ grid }} >= parameters.near_identical_min_stays
        and bands.stays_{{ grid }} >= parameters.near_identical_min_share * months.month_stays

),

{% endfor %}
chosen_band as (

    select
        banded.settlement_id,
        banded.institution_code,
        banded.person_key,
        banded.settlement_month,
        coalesce(a.month_stays, b.month_stays) as month_stays,
        case when pick.grid_a then a.stays_a else b.stays_b end as band_stays,
        case when pick.grid_a then a.lowest_a else b.lowest_b end as lowest,
        case when pick.grid_a then a.highest_a else b.highest_b end as highest

    from banded
    left join qualifying_a as a
        on a.institution_code = banded.institution_code
        and a.settlement_month = banded.settlement_month
        and a.band_a = banded.band_a
    left join qualifying_b as b
        on b.institution_code = banded.institution_code
        and b.settlement_month = banded.settlement_month
        and b.band_b = banded.band_b
    cross join lateral (
        -- the band of grid a when it qualifies and holds at least as many stays as grid b's
        select a.stays_a is not null and (b.stays_b is null or a.stays_a >= b.stays_b) as grid_a
    ) as pick
    where a.stays_a is not null or b.stays_b is not null

),

flagged as (

    select
        settlement_id,
        'near_identical_amounts'::text as rule_id,
        institution_code,
        person_key,
        settlement_month,
        band_stays::numeric as figure,
        '該機構' || to_char(settlement_month, 'YYYY-MM') || '有' || band_stays || '筆住院總費用在'
            || {{ format_yuan('lowest') }} || '至' || {{ format_yuan('highest') }} || '元之間,佔當月住院'
            || {{ format_percent('band_stays::numeric / month_stays') }} || ',出院金額接近 / ' || band_stays
            || ' stays settled in ' || to_char(settlement_month, 'YYYY-MM') || ' cost between '
            || {{ format_yuan('lowest') }} || ' and ' || {{ format_yuan('highest') }} || ' yuan, '
            || {{ format_percent('band_stays::numeric / month_stays') }}
            || ' of the institution''s stays that month: near-identical amounts' as reason

    from chosen_band

)

select * from flagged
