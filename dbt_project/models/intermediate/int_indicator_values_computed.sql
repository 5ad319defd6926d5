{#- One select per indicator definition (vars.indicators), union all. -#}
{%- set indicators = indicator_definitions() -%}

with

measures as (
    select * from {{ ref('int_municipality_measures_derived') }}
    where {{ edition_filter() }}
),

indicator_inputs as (
    {%- for indicator in indicators %}
    select
        edition,
        boekjaar,
        municipality_code,
        municipality_name,
        population,
        peer_group,
        {{ sql_string(indicator.code) }} as indicator_code,
        cast(({{ indicator.numerator }}) as double) as numerator,
        cast(({{ indicator.denominator }}) as double) as denominator,
        cast({{ indicator.scale }} as double) as scale,
        {{ comparable_with_previous(indicator) }} as comparable_with_previous
    from measures
    where edition >= {{ indicator.first_edition | int }}
    {% if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}
),

final as (
    select
        edition,
        boekjaar,
        municipality_code,
        municipality_name,
        population,
        peer_group,
        indicator_code,
        numerator / denominator * scale as value,
        numerator,
        denominator,
        scale,
        comparable_with_previous
    from indicator_inputs
    where
        numerator is not null
        and denominator is not null
        and denominator != 0
)

select * from final
