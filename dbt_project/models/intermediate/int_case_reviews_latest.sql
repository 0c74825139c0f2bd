-- The state of each reviewed case (協同查處): one row per settlement_id, its case_review row with
-- the latest status_date (a case is listed when the bureau received its materials and again when
-- it was concluded; a file holds a case once and only statuses of its month, so two rows of a
-- case never share a status_date).
--   concluded_date  status_date when the outcome is confirmed or cleared, else NULL
--   due_date        received_date + 3 months (原則上於3個月內作出核查結果)

with

reviews as (

    select * from {{ ref('stg_bureau__case_reviews') }}

),

latest as (

    select distinct on (settlement_id)
        settlement_id,
        submitted_by,
        received_date,
        status_date,
        outcome,
        violating_amount,
        ci_refused_amount

    from reviews
    order by settlement_id, status_date desc

),

final as (

    select
        latest.*,
        case when outcome in ('confirmed', 'cleared') then status_date end as concluded_date,
        (received_date + interval '3 months')::date as due_date

    from latest

)

select * from final
