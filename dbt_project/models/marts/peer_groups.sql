{{ config(materialized='table', tags=['release']) }}

{#- The peer groups as published: the seed peer_group_definitions (their one
    definition), in presentation order. -#}

with

definitions as (
    select * from {{ ref('peer_group_definitions') }}
),

final as (
    select
        cast(peer_group as varchar) as peer_group,
        cast(label_nl as varchar) as label_nl,
        cast(min_inhabitants as bigint) as min_inhabitants,
        cast(max_inhabitants as bigint) as max_inhabitants,
        cast(sort_order as integer) as sort_order
    from definitions
)

select * from final
order by sort_order
