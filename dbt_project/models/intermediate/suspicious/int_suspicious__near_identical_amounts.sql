-- Rule `near_identical_amounts` (出院報銷金額接近, DOMAIN 5): effective stays of one institution
-- and settlement month whose total costs (醫療總費用: a package price shows in the billed amount;
-- the fund's share also varies with the patient's scheme and deductible) fall in one band of
-- relative width near_identical_band (default 0.02), when the band holds at least
-- near_identical_min_stays (default 5) stays and at least near_identical_min_share (default 0.2)
-- of the institution's stays of the month.
-- Bands: two grids over ln(total_cost), with steps of ln(1 + band), the second shifted by half a
-- step. Costs in one band differ by less than the band (2 %); costs within half the band (1 %)
-- of each other always share a band of one of the grids. A stay is flagged when a band of either
-- grid qualifies; figure = the stays in its largest qualifying band. Window functions only.

with

stays as (

    select settlement_id, institution_code, person_key, settlement_month, total_cost
    from {{ ref('int_stays_effective') }}
    where total_cost > 0

),

parameters as (

    {{ select_policy_parameters(['near_identical_band', 'near_identical_min_stays', 'near_identical_min_share']) }}

),

banded as (

    select
        stays.*,
        floor(ln(stays.total_cost::float8) / ln(1 + parameters.near_identical_band::float8)) as band_a,
        floor(ln(stays.total_cost::float8) / ln(1 + parameters.near_identical_band::float8) + 0.5) as band_b,
        count(*) over (partition by stays.institution_code, stays.settlement_month) as month_stays

    from stays
    cross join parameters

),

band_counts as (

    select
        banded.*,
        count(*) over grid_a as stays_a,
        min(total_cost) over grid_a as lowest_a,
        max(total_cost) over grid_a as highest_a,
        count(*) over grid_b as stays_b,
        min(total_cost) over grid_b as lowest_b,
        max(total_cost) over grid_b as highest_b

    from banded
    window
        grid_a as (partition by institution_code, settlement_month, band_a),
        grid_b as (partition by institution_code, settlement_month, band_b)

),

qualified as (

    select
        band_counts.*,
        band_counts.stays_a >= parameters.near_identical_min_stays
            and band_counts.stays_a >= parameters.near_identical_min_share * band_counts.month_stays as qualifies_a,
        band_counts.stays_b >= parameters.near_identical_min_stays
            and band_counts.stays_b >= parameters.near_identical_min_share * band_counts.month_stays as qualifies_b

    from band_counts
    cross join parameters

),

chosen_band as (

    select
        settlement_id,
        institution_code,
        person_key,
        settlement_month,
        month_stays,
        case when qualifies_a and (not qualifies_b or stays_a >= stays_b) then stays_a else stays_b end as band_stays,
        case when qualifies_a and (not qualifies_b or stays_a >= stays_b) then lowest_a else lowest_b end as lowest,
        case when qualifies_a and (not qualifies_b or stays_a >= stays_b) then highest_a else highest_b end as highest

    from qualified
    where qualifies_a or qualifies_b

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
