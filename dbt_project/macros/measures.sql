{#-
  Peer group of a CBS population (on 1 January of the boekjaar): the size class
  of the seed peer_group_definitions (the one definition of the peer groups)
  whose [min_inhabitants, max_inhabitants) holds it; NULL when the population
  is unknown. `all` has no bounds, so no participant is assigned to it. The
  classes never overlap (test size_classes_tile_the_population below; DuckDB
  also refuses a scalar subquery that returns two rows).
-#}
{% macro peer_group(population) -%}
    (
        select definitions.peer_group
        from {{ ref('peer_group_definitions') }} as definitions
        where
            {{ population }} >= definitions.min_inhabitants
            and (
                {{ population }} < definitions.max_inhabitants
                or definitions.max_inhabitants is null
            )
    )
{%- endmacro %}

{#-
  Data test of the peer group definitions: the size classes (the rows with a
  lower bound) tile [0, infinity) in their sort order: the first starts at 0,
  each ends where the next starts, only the last is open; a row without a
  lower bound (`all`) has no upper bound either.
-#}
{% test size_classes_tile_the_population(model) %}

with classes as (
    select
        peer_group,
        min_inhabitants,
        max_inhabitants,
        lead(min_inhabitants) over (order by min_inhabitants) as next_min_inhabitants,
        row_number() over (order by min_inhabitants) as position_by_size,
        row_number() over (order by sort_order) as position_by_sort_order
    from {{ model }}
    where min_inhabitants is not null
)

select
    peer_group,
    'size classes do not tile the population' as problem
from classes
where
    (position_by_size = 1 and min_inhabitants <> 0)
    or max_inhabitants is distinct from next_min_inhabitants
    or max_inhabitants <= min_inhabitants
    or position_by_size <> position_by_sort_order
union all
select
    peer_group,
    'an upper bound without a lower bound' as problem
from {{ model }}
where min_inhabitants is null and max_inhabitants is not null

{% endtest %}

{#-
  Sum of the components the edition asks (asked_<code> columns). NULL when
  any asked component is NULL (a blank is unknown, never 0) or when none of
  them is asked.
-#}
{% macro sum_of_asked(codes) -%}
    case
        when
            ({% for code in codes %}coalesce(asked_{{ code }}, false){% if not loop.last %} or {% endif %}{% endfor %})
            {%- for code in codes %}
            and (not coalesce(asked_{{ code }}, false) or {{ code }} is not null)
            {%- endfor %}
            then
            {%- for code in codes %}
                coalesce(case when asked_{{ code }} then {{ code }} end, 0)
                {%- if not loop.last %} +{% endif %}
            {%- endfor %}
    end
{%- endmacro %}
