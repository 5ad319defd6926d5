{{ config(materialized='ephemeral') }}

{#- Per loaded boekjaar: the municipalities of the division on 1 January of
    that boekjaar (predecessor_code) and the municipality of the newest
    division they lead to (successor_code), with the share of the predecessor
    that went to it (1 for a merger; aandeel, multiplied along a chain, for a
    split). Only successors on the newest division. -#}

with

successor_paths as (
    select * from {{ ref('int_trends__successor_paths') }}
),

boekjaren as (
    select distinct boekjaar from {{ ref('int_indicator_values_computed') }}
),

final as (
    select
        boekjaren.boekjaar,
        successor_paths.municipality_code as predecessor_code,
        successor_paths.successor_code,
        successor_paths.share,
        successor_paths.n_steps,
        successor_paths.paths
    from boekjaren
    inner join successor_paths
        on successor_paths.start_date = make_date(boekjaren.boekjaar, 1, 1)
    where successor_paths.on_newest_division
)

select * from final
