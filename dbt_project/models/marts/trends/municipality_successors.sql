{{ config(materialized='table', tags=['release']) }}

{#- For every code that ever existed (as of the start of its last validity
    period): its successor(s) on the newest division with shares. -#}

with

successor_paths as (
    select * from {{ ref('int_trends__successor_paths') }}
),

municipalities as (
    select
        municipality_code,
        municipality_name,
        valid_from
    from {{ ref('stg_cbs__municipalities') }}
),

last_periods as (
    select
        municipality_code,
        max(valid_from) as valid_from
    from municipalities
    group by municipality_code
),

names as (
    select
        municipalities.municipality_code,
        municipalities.municipality_name
    from municipalities
    inner join last_periods
        on
            municipalities.municipality_code = last_periods.municipality_code
            and municipalities.valid_from = last_periods.valid_from
),

final as (
    select
        cast(successor_paths.municipality_code as varchar) as municipality_code,
        cast(own_names.municipality_name as varchar) as municipality_name,
        cast(successor_paths.successor_code as varchar) as successor_code,
        cast(successor_names.municipality_name as varchar) as successor_name,
        cast(successor_paths.share as double) as share,
        cast(successor_paths.n_steps as integer) as n_steps,
        cast(successor_paths.last_change_date as date) as last_change_date,
        cast(successor_paths.paths as varchar) as paths,
        cast(successor_paths.on_newest_division as boolean) as on_newest_division,
        cast(successor_paths.newest_division_date as date) as newest_division_date
    from successor_paths
    inner join last_periods
        on
            successor_paths.municipality_code = last_periods.municipality_code
            and successor_paths.start_date = last_periods.valid_from
    left join names as own_names
        on successor_paths.municipality_code = own_names.municipality_code
    left join names as successor_names
        on successor_paths.successor_code = successor_names.municipality_code
)

select * from final
