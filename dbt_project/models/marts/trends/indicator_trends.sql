{{ config(materialized='table', tags=['release']) }}

{#- Indicators per municipality of the newest division x indicator x edition,
    recomputed from the summed (shared) numerators and denominators of the
    predecessors of each boekjaar. No row where a predecessor has no value
    for that edition and indicator (did not take part, left an input blank,
    or had a zero denominator): a partial sum would mislead. Answer
    indicators (kind answer) only where no recompute is needed. -#}

with

indicator_values as (
    select
        edition,
        boekjaar,
        municipality_code,
        indicator_code,
        numerator,
        denominator
    from {{ ref('indicator_values') }}
),

predecessors as (
    select * from {{ ref('int_trends__predecessors') }}
),

municipalities as (
    select
        municipality_code,
        municipality_name
    from {{ ref('municipalities') }}
    where on_newest_division
),

definitions as (
    select
        indicator_code,
        kind,
        scale,
        first_edition,
        comparability_breaks,
        comparability_note
    from {{ ref('indicators') }}
),

editions as (
    select distinct
        edition,
        boekjaar,
        indicator_code
    from indicator_values
),

candidates as (
    select
        editions.edition,
        editions.boekjaar,
        editions.indicator_code,
        predecessors.successor_code,
        predecessors.predecessor_code,
        predecessors.share,
        indicator_values.numerator,
        indicator_values.denominator
    from editions
    inner join predecessors
        on editions.boekjaar = predecessors.boekjaar
    left join indicator_values
        on
            editions.edition = indicator_values.edition
            and editions.indicator_code = indicator_values.indicator_code
            and predecessors.predecessor_code = indicator_values.municipality_code
),

summed as (
    select
        edition,
        boekjaar,
        indicator_code,
        successor_code as municipality_code,
        count(*) as n_predecessors,
        count(numerator) as n_participating,
        -- floating-point addition is not associative: summed in predecessor
        -- order (unique per group), not in the order rows happen to arrive
        sum(share * numerator order by predecessor_code) as numerator,
        sum(share * denominator order by predecessor_code) as denominator,
        not(
            count(*) = 1
            and bool_and(predecessor_code = successor_code)
            and abs(min(share) - 1) < 1e-9
        ) as recomputed,
        string_agg(
            predecessor_code || case when abs(share - 1) >= 1e-9 then ' x ' || round(share, 4) else '' end,
            ', ' order by predecessor_code
        ) as predecessors
    from candidates
    group by edition, boekjaar, indicator_code, successor_code
),

with_values as (
    select
        summed.*,
        definitions.kind,
        definitions.scale,
        definitions.first_edition,
        definitions.comparability_breaks,
        definitions.comparability_note,
        summed.numerator / summed.denominator * definitions.scale as value
    from summed
    inner join definitions
        on summed.indicator_code = definitions.indicator_code
    where
        summed.n_participating = summed.n_predecessors
        and summed.denominator != 0
        and (definitions.kind = 'ratio' or not summed.recomputed)
),

comparability as (
    select
        *,
        edition != first_edition
        and not list_contains(comparability_breaks, edition) as comparable_with_previous,
        case
            when edition = first_edition then 'First edition of the indicator.'
            when list_contains(comparability_breaks, edition) then comparability_note
        end as trend_break_reason,
        lag(edition) over (
            partition by municipality_code, indicator_code order by edition
        ) as previous_edition,
        lag(value) over (
            partition by municipality_code, indicator_code order by edition
        ) as previous_value
    from with_values
),

final as (
    select
        cast(comparability.municipality_code as varchar) as municipality_code,
        cast(municipalities.municipality_name as varchar) as municipality_name,
        cast(comparability.indicator_code as varchar) as indicator_code,
        cast(comparability.edition as integer) as edition,
        {{ peildatum('comparability.edition') }} as peildatum,
        cast(comparability.boekjaar as integer) as boekjaar,
        cast(comparability.value as double) as value,
        cast(comparability.numerator as double) as numerator,
        cast(comparability.denominator as double) as denominator,
        cast(comparability.scale as double) as scale,
        cast(comparability.recomputed as boolean) as recomputed,
        cast(comparability.n_predecessors as integer) as n_predecessors,
        cast(comparability.predecessors as varchar) as predecessors,
        cast(comparability.comparable_with_previous as boolean) as comparable_with_previous,
        cast(comparability.trend_break_reason as varchar) as trend_break_reason,
        cast(
            case
                when
                    comparability.comparable_with_previous
                    and comparability.previous_edition = comparability.edition - 1
                    and comparability.previous_value != 0
                    then (comparability.value / comparability.previous_value - 1) * 100
            end as double
        ) as change_vs_previous_pct
    from comparability
    left join municipalities
        on comparability.municipality_code = municipalities.municipality_code
)

select * from final
