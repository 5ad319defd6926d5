{{ config(materialized='ephemeral') }}

{#- Every municipality code, as of a start date, resolved to its successor(s)
    on the newest division by following the boundary changes
    (stg_cbs__mergers) after the start date, up to the newest division date.
    Start points: every code as of the start of its last validity period, and
    every municipality of the division on 1 January of each loaded boekjaar.
    From a code the next change is its earliest change date after the date it
    was reached (so a merger row naming the survivor itself just passes
    through); shares multiply along a chain; several paths to one successor
    add up. on_newest_division is false for a broken chain (a code that ends
    without a merger row) or a code created after the newest division. -#}

with recursive

municipalities as (
    select
        municipality_code,
        valid_from,
        valid_to
    from {{ ref('stg_cbs__municipalities') }}
),

mergers as (
    select
        merger_date,
        old_municipality_code,
        new_municipality_code,
        share
    from {{ ref('stg_cbs__mergers') }}
),

newest_division as (
    select newest_division_date from {{ ref('int_trends__newest_division') }}
),

boekjaren as (
    select distinct boekjaar from {{ ref('int_indicator_values_computed') }}
),

change_dates as (
    select
        old_municipality_code,
        merger_date,
        lag(merger_date) over (
            partition by old_municipality_code order by merger_date
        ) as previous_change_date
    from (select distinct
        old_municipality_code,
        merger_date
    from mergers) as distinct_changes
),

-- the changes that apply: on or before the newest division date
changes as (
    select
        mergers.old_municipality_code,
        mergers.new_municipality_code,
        mergers.merger_date,
        change_dates.previous_change_date,
        mergers.share
    from mergers
    inner join change_dates
        on
            mergers.old_municipality_code = change_dates.old_municipality_code
            and mergers.merger_date = change_dates.merger_date
    cross join newest_division
    where mergers.merger_date <= newest_division.newest_division_date
),

start_points as (
    select
        municipality_code,
        max(valid_from) as start_date
    from municipalities
    group by municipality_code
    union
    select
        municipalities.municipality_code,
        make_date(boekjaren.boekjaar, 1, 1) as start_date
    from boekjaren
    inner join municipalities
        on
            municipalities.valid_from <= make_date(boekjaren.boekjaar, 1, 1)
            and (
                municipalities.valid_to is null
                or municipalities.valid_to > make_date(boekjaren.boekjaar, 1, 1)
            )
),

paths as (
    select
        municipality_code,
        start_date,
        municipality_code as reached_code,
        start_date as reached_on,
        cast(1.0 as double) as share,
        0 as n_steps,
        municipality_code as route
    from start_points
    union all
    select
        paths.municipality_code,
        paths.start_date,
        changes.new_municipality_code as reached_code,
        changes.merger_date as reached_on,
        paths.share * changes.share as share,
        paths.n_steps + 1 as n_steps,
        paths.route || ' > ' || changes.new_municipality_code as route
    from paths
    inner join changes
        on
            paths.reached_code = changes.old_municipality_code
            and paths.reached_on < changes.merger_date
            and (
                changes.previous_change_date is null
                or paths.reached_on >= changes.previous_change_date
            )
),

-- where a path ends: no further change of the reached code
path_ends as (
    select paths.*
    from paths
    where not exists (
        select 1
        from changes
        where
            changes.old_municipality_code = paths.reached_code
            and changes.merger_date > paths.reached_on
    )
),

successors as (
    select
        municipality_code,
        start_date,
        reached_code as successor_code,
        -- in route order (the summed value breaks ties): floating-point
        -- addition is not associative, and path rows arrive in any order
        sum(share order by route, share) as share,
        max(n_steps) as n_steps,
        max(reached_on) as last_change_date,
        string_agg(route, '; ' order by route) as paths
    from path_ends
    group by municipality_code, start_date, reached_code
),

final as (
    select
        successors.municipality_code,
        successors.start_date,
        successors.successor_code,
        successors.share,
        successors.n_steps,
        case when successors.n_steps > 0 then successors.last_change_date end as last_change_date,
        successors.paths,
        newest_division.newest_division_date,
        exists(
            select 1
            from municipalities
            where
                municipalities.municipality_code = successors.successor_code
                and municipalities.valid_from <= newest_division.newest_division_date
                and (
                    municipalities.valid_to is null
                    or municipalities.valid_to > newest_division.newest_division_date
                )
        ) as on_newest_division
    from successors
    cross join newest_division
)

select * from final
