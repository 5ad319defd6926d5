-- value = numerator / denominator * scale; no row with a zero denominator;
-- no row before the indicator's first edition.
{%- set indicators = indicator_definitions() %}

with

indicator_values as (
    select * from {{ ref('indicator_values') }}
),

first_editions as (
    {%- for indicator in indicators %}
    select
        {{ sql_string(indicator.code) }} as indicator_code,
        {{ indicator.first_edition | int }} as first_edition
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select indicator_values.*
from indicator_values
left join first_editions
    on indicator_values.indicator_code = first_editions.indicator_code
where
    indicator_values.denominator = 0
    or abs(
        indicator_values.value
        - indicator_values.numerator / indicator_values.denominator * indicator_values.scale
    ) > 1e-9 * greatest(1, abs(indicator_values.value))
    or first_editions.first_edition is null
    or indicator_values.edition < first_editions.first_edition
