{{ config(tags=['edition'], pre_hook="{{ clear_edition_partition() }}") }}

{%- set min_participants = var('peer_min_participants') | int %}

with

indicator_values as (
    select
        edition,
        peer_group,
        indicator_code,
        value
    from {{ ref('int_indicator_values_computed') }}
    where {{ edition_filter() }}
),

peer_members as (
    select
        edition,
        peer_group,
        indicator_code,
        value
    from indicator_values
    where peer_group is not null
    union all
    select
        edition,
        'all' as peer_group,
        indicator_code,
        value
    from indicator_values
),

statistics as (
    select
        edition,
        peer_group,
        indicator_code,
        count(value) as n_participants,
        quantile_cont(value, 0.25) as p25,
        quantile_cont(value, 0.5) as median,
        quantile_cont(value, 0.75) as p75,
        -- averaged over the sorted values: the floating-point sum does not
        -- depend on row order, so full and per-edition builds agree exactly
        list_avg(list_sort(list(value))) as mean
    from peer_members
    group by edition, peer_group, indicator_code
),

final as (
    select
        cast(edition as integer) as edition,
        {{ peildatum('edition') }} as peildatum,
        cast(peer_group as varchar) as peer_group,
        cast(indicator_code as varchar) as indicator_code,
        cast(n_participants as integer) as n_participants,
        cast(case when n_participants >= {{ min_participants }} then p25 end as double) as p25,
        cast(case when n_participants >= {{ min_participants }} then median end as double) as median,
        cast(case when n_participants >= {{ min_participants }} then p75 end as double) as p75,
        cast(case when n_participants >= {{ min_participants }} then mean end as double) as mean,
        n_participants < {{ min_participants }} as suppressed
    from statistics
    where n_participants >= 1
)

select * from final
