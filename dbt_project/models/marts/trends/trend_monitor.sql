{{ config(materialized='table', tags=['release']) }}

{%- set min_participants = var('peer_min_participants') | int %}

{#- The five trends of the trend article (vars.trends): per trend, indicator
    and edition the median over all participants (peer group `all` of
    peer_benchmarks, suppressed below peer_min_participants) and its % change
    vs the previous edition; NULL across a comparability break or a gap.
    information_management_fte_per_100k_inhabitants is not a published
    indicator: its median is computed here the same way (fte_informatiemanagement
    / CBS population x 100,000 over every participant with both). -#}

with

peer_benchmarks as (
    select
        edition,
        indicator_code,
        n_participants,
        median,
        suppressed
    from {{ ref('peer_benchmarks') }}
    where peer_group = 'all'
),

measures as (
    select
        edition,
        fte_informatiemanagement,
        population
    from {{ ref('int_municipality_measures_derived') }}
),

trends as (
    {%- for trend in var('trends') %}
    {%- set trend_loop = loop %}
    {%- for indicator_code in trend.indicators %}
    select
        {{ trend.code | int }} as trend_code,
        {{ sql_string(trend.name_en) }} as trend_name,
        {{ sql_string(trend.name_nl) }} as trend_name_nl,
        {{ trend.article_richter }} as article_richter,
        {{ sql_string(indicator_code) }} as indicator_code,
        {{ loop.index }} as indicator_order
    {% if not (trend_loop.last and loop.last) %}
    union all
    {% endif %}
    {%- endfor %}
    {%- endfor %}
),

definitions as (
    select
        indicator_code,
        first_edition,
        comparability_breaks,
        comparability_note
    from {{ ref('indicators') }}
),

information_management_values as (
    select
        edition,
        fte_informatiemanagement / population * 100000 as value
    from measures
    where
        fte_informatiemanagement is not null
        and population > 0
),

information_management as (
    select
        edition,
        'information_management_fte_per_100k_inhabitants' as indicator_code,
        count(*) as n_participants,
        case
            when count(*) >= {{ min_participants }} then quantile_cont(value, 0.5)
        end as median,
        count(*) < {{ min_participants }} as suppressed
    from information_management_values
    group by edition
),

medians as (
    select
        edition,
        indicator_code,
        n_participants,
        median,
        suppressed,
        true as is_published_indicator
    from peer_benchmarks
    union all
    select
        edition,
        indicator_code,
        n_participants,
        median,
        suppressed,
        false as is_published_indicator
    from information_management
),

joined as (
    select
        trends.*,
        medians.edition,
        medians.n_participants,
        medians.median,
        medians.suppressed,
        medians.is_published_indicator,
        coalesce(definitions.first_edition, min(medians.edition) over (
            partition by trends.trend_code, trends.indicator_code
        )) as first_edition,
        coalesce(definitions.comparability_breaks, cast([] as integer [])) as comparability_breaks,
        definitions.comparability_note,
        lag(medians.edition) over (
            partition by trends.trend_code, trends.indicator_code order by medians.edition
        ) as previous_edition,
        lag(medians.median) over (
            partition by trends.trend_code, trends.indicator_code order by medians.edition
        ) as previous_median
    from trends
    inner join medians
        on trends.indicator_code = medians.indicator_code
    left join definitions
        on trends.indicator_code = definitions.indicator_code
),

final as (
    select
        cast(trend_code as integer) as trend_code,
        cast(trend_name as varchar) as trend_name,
        cast(trend_name_nl as varchar) as trend_name_nl,
        cast(indicator_code as varchar) as indicator_code,
        cast(indicator_order as integer) as indicator_order,
        cast(is_published_indicator as boolean) as is_published_indicator,
        cast(edition as integer) as edition,
        {{ peildatum('edition') }} as peildatum,
        cast(n_participants as integer) as n_participants,
        cast(median as double) as median,
        cast(suppressed as boolean) as suppressed,
        cast(
            edition != first_edition and not list_contains(comparability_breaks, edition) as boolean
        ) as comparable_with_previous,
        cast(
            case
                when edition = first_edition then 'First edition of the indicator.'
                when list_contains(comparability_breaks, edition) then comparability_note
            end as varchar
        ) as trend_break_reason,
        cast(
            case
                when
                    edition != first_edition
                    and not list_contains(comparability_breaks, edition)
                    and previous_edition = edition - 1
                    and previous_median != 0
                    then (median / previous_median - 1) * 100
            end as double
        ) as change_vs_previous_pct,
        cast(article_richter as double) as article_richter
    from joined
)

select * from final
