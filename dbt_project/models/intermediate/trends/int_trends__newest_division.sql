{{ config(materialized='ephemeral') }}

{#- The newest division: 1 January of the latest boekjaar loaded. Without any
    loaded submission (reference data only) the division after the latest
    recorded boundary change. -#}

with

submissions as (
    select boekjaar from {{ ref('stg_survey__submissions') }}
    where status = 'loaded'
),

municipalities as (
    select
        valid_from,
        valid_to
    from {{ ref('stg_cbs__municipalities') }}
),

mergers as (
    select merger_date from {{ ref('stg_cbs__mergers') }}
),

latest_boekjaar as (
    select max(boekjaar) as newest_boekjaar from submissions
),

change_dates as (
    select valid_from as change_date from municipalities
    union all
    select valid_to as change_date from municipalities
    union all
    select merger_date as change_date from mergers
),

latest_change as (
    select max(change_date) as latest_change_date from change_dates
),

final as (
    select
        latest_boekjaar.newest_boekjaar,
        coalesce(
            make_date(latest_boekjaar.newest_boekjaar, 1, 1),
            latest_change.latest_change_date
        ) as newest_division_date
    from latest_boekjaar
    cross join latest_change
)

select * from final
