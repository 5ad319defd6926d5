{{ config(tags=['edition'], pre_hook="{{ clear_edition_partition() }}") }}

with

indicator_values as (
    select * from {{ ref('int_indicator_values_computed') }}
    where {{ edition_filter() }}
),

final as (
    select
        cast(edition as integer) as edition,
        {{ peildatum('edition') }} as peildatum,
        cast(boekjaar as integer) as boekjaar,
        cast(municipality_code as varchar) as municipality_code,
        cast(municipality_name as varchar) as municipality_name,
        cast(peer_group as varchar) as peer_group,
        cast(indicator_code as varchar) as indicator_code,
        cast(value as double) as value,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        cast(comparable_with_previous as boolean) as comparable_with_previous,
        cast(population as bigint) as population,
        cast(scale as double) as scale
    from indicator_values
)

select * from final
