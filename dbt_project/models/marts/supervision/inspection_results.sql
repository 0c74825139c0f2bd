-- Inspection results with year-on-year change (稽核檢查結果及同比, DOMAIN 8): one row per period,
-- county, institution type and metric, for every year and half-year of dim_months (zero-filled).
-- The county and type are the inspected institution's (dim_institutions; external institutions
-- are in no county); periods go by inspection_date. Metrics:
--   inspections, onsite_inspections           inspections (on-site: onsite, special, joint_patrol, flying)
--   inspected_institutions                    distinct institutions inspected
--   violating_institutions                    distinct institutions with a finding other than `none`
--   finding_<finding>                         inspections with that finding (問題類型)
--   action_<action>                           inspections with that action (約談, 限期整改, 中止/解除協議, 移送司法)
--   fined_cases                               inspections with an administrative fine > 0
--   involved_amount, recovered_amount, penalty_amount, fine_amount   Σ yuan (涉及, 追回, 違約金, 罰款)
--   demerit_points                            Σ points (記分)
-- prev_year_value is the value of the same period a year earlier (same half for half-years), NULL
-- when that period is outside dim_months; yoy_change = value − prev_year_value; yoy_change_rate =
-- yoy_change ÷ prev_year_value, NULL when prev_year_value is NULL or 0.

{% set findings = ['hanging_bed', 'induced_admission', 'fictitious_service', 'forged_documents',
                   'over_standard_charge', 'duplicate_charge', 'item_substitution',
                   'unreasonable_treatment', 'split_admission', 'other'] %}
{% set actions = ['interview', 'rectify', 'suspend', 'terminate', 'refer_judicial'] %}
{% set counts = ['inspections', 'onsite_inspections', 'inspected_institutions', 'violating_institutions'] %}
{% for finding in findings %}{% do counts.append('finding_' ~ finding) %}{% endfor %}
{% for action in actions %}{% do counts.append('action_' ~ action) %}{% endfor %}
{% do counts.append('fined_cases') %}
{% set amounts = ['involved_amount', 'recovered_amount', 'penalty_amount', 'fine_amount', 'demerit_points'] %}

with

loaded_inspections as (

    select * from {{ ref('stg_bureau__inspections') }}

),

institutions as (

    select * from {{ ref('dim_institutions') }}
    where managed_by <> 'external'

),

inspections as (

    select
        loaded_inspections.*,
        institutions.county_code,
        institutions.institution_type

    from loaded_inspections
    inner join institutions
        on institutions.institution_code = loaded_inspections.institution_code

),

periods as (

    select distinct 'year'::text as period_kind, year::text as period from {{ ref('dim_months') }}
    union
    select distinct 'half_year', half_year from {{ ref('dim_months') }}

),

inspection_periods as (

    select inspections.*, 'year'::text as period_kind, extract(year from inspection_date)::integer::text as period
    from inspections
    union all
    select inspections.*, 'half_year', {{ half_year('inspection_date') }}
    from inspections

),

measured as (

    select
        period_kind,
        period,
        county_code,
        institution_type,
        count(*) as inspections,
        count(*) filter (where is_onsite) as onsite_inspections,
        count(distinct institution_code) as inspected_institutions,
        count(distinct institution_code) filter (where finding <> 'none') as violating_institutions,
        {% for finding in findings %}
        count(*) filter (where finding = '{{ finding }}') as finding_{{ finding }},
        {% endfor %}
        {% for action in actions %}
        count(*) filter (where action = '{{ action }}') as action_{{ action }},
        {% endfor %}
        count(*) filter (where fine_amount > 0) as fined_cases,
        sum(involved_amount) as involved_amount,
        sum(recovered_amount) as recovered_amount,
        sum(penalty_amount) as penalty_amount,
        sum(fine_amount) as fine_amount,
        sum(demerit_points) as demerit_points

    from inspection_periods
    group by period_kind, period, county_code, institution_type

),

unpivoted as (

    select measured.period_kind, measured.period, measured.county_code, measured.institution_type,
        metrics.metric, metrics.value
    from measured
    cross join lateral (
        values
        {% for metric in counts + amounts %}
            ('{{ metric }}'::text, measured.{{ metric }}::numeric){{ "," if not loop.last }}
        {% endfor %}
    ) as metrics (metric, value)

),

spine as (

    select periods.*, counties.county_code, types.institution_type, metrics.metric
    from periods
    cross join (select county_code from {{ ref('dim_counties') }}) as counties
    cross join (values ('hospital'), ('primary'), ('clinic'), ('pharmacy')) as types (institution_type)
    cross join (
        values
        {% for metric in counts + amounts %}
            ('{{ metric }}'::text){{ "," if not loop.last }}
        {% endfor %}
    ) as metrics (metric)

),

filled as (

    select
        spine.*,
        {{ period_a_year_earlier('spine.period') }} as prev_period,
        coalesce(unpivoted.value, 0) as value

    from spine
    left join unpivoted
        on unpivoted.period_kind = spine.period_kind
        and unpivoted.period = spine.period
        and unpivoted.county_code = spine.county_code
        and unpivoted.institution_type = spine.institution_type
        and unpivoted.metric = spine.metric

),

compared as (

    select
        current_period.*,
        previous_period.value as prev_year_value

    from filled as current_period
    left join filled as previous_period
        on previous_period.period_kind = current_period.period_kind
        and previous_period.period = current_period.prev_period
        and previous_period.county_code = current_period.county_code
        and previous_period.institution_type = current_period.institution_type
        and previous_period.metric = current_period.metric

),

final as (

    select
        period_kind,
        period,
        county_code,
        institution_type,
        metric,
        value::numeric(18, 2) as value,
        prev_year_value::numeric(18, 2) as prev_year_value,
        (value - prev_year_value)::numeric(18, 2) as yoy_change,
        ((value - prev_year_value) / nullif(prev_year_value, 0))::numeric(18, 6) as yoy_change_rate

    from compared

)

select * from final
