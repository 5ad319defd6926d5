{{ config(materialized='table', tags=['release']) }}

{#- Generated from vars.indicators (dbt_project.yml), in definition order. -#}

with

definitions as (
    {%- for indicator in indicator_definitions() %}
    select
        {{ sql_string(indicator.code) }} as indicator_code,
        {{ loop.index }} as sort_order,
        {{ sql_string(indicator.label_nl) }} as label_nl,
        {{ sql_string(indicator.label_en) }} as label_en,
        {{ sql_string(indicator.unit) }} as unit,
        {{ sql_string(indicator.unit_nl) }} as unit_nl,
        {{ sql_string(indicator.definition) }} as definition,
        {{ indicator.first_edition | int }} as first_edition,
        {{ sql_string(indicator.kind) }} as kind,
        {{ indicator.scale }} as scale,
        {{ sql_string(indicator.numerator) }} as numerator_expression,
        {{ sql_string(indicator.denominator) }} as denominator_expression,
        [{{ (indicator.comparability_breaks or []) | join(', ') }}] as comparability_breaks,
        {{ sql_string(indicator.comparability_note or none) }} as comparability_note
    {% if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}
),

final as (
    select
        cast(indicator_code as varchar) as indicator_code,
        cast(sort_order as integer) as sort_order,
        cast(label_nl as varchar) as label_nl,
        cast(label_en as varchar) as label_en,
        cast(unit as varchar) as unit,
        cast(unit_nl as varchar) as unit_nl,
        cast(definition as varchar) as definition,
        cast(first_edition as integer) as first_edition,
        cast(kind as varchar) as kind,
        cast(scale as double) as scale,
        cast(numerator_expression as varchar) as numerator_expression,
        cast(denominator_expression as varchar) as denominator_expression,
        cast(comparability_breaks as integer []) as comparability_breaks,
        cast(comparability_note as varchar) as comparability_note
    from definitions
)

select * from final
