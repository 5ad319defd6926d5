{#- Helpers of the plausibility findings (models/intermediate/findings). -#}

{#- A setting of vars.plausibility. -#}
{% macro plausibility(key) -%}
    {{ return(var('plausibility')[key]) }}
{%- endmacro %}

{#-
  A number in Dutch notation as text: 1234567.8 -> '1.234.567,8'. Renders a call
  of the DuckDB function nl_number, which is the Python function of the same name
  in pipelines/core/dutch_format.py (registered by the dbt-duckdb plugin
  pipelines/warehouse/dbt_functions.py, see profiles.yml): the one implementation
  of the rule, shared with the reports.
-#}
{% macro nl_number(expression, decimals=0) -%}
    nl_number(cast({{ expression }} as double), {{ decimals | int }})
{%- endmacro %}

{#- An answer as a respondent reads it, by question kind: '€ 1.234', '12,5 %', '7,1', '3,5 fte', '12'. -#}
{% macro nl_answer(expression, kind) -%}
    case {{ kind }}
        when 'amount' then '€ ' || {{ nl_number(expression, 0) }}
        when 'percent' then {{ nl_number(expression, 1) }} || ' %'
        when 'score' then {{ nl_number(expression, 1) }}
        when 'fte' then {{ nl_number(expression, 1) }} || ' fte'
        else {{ nl_number(expression, 0) }}
    end
{%- endmacro %}
