{#- The indicator definitions (vars.indicators in dbt_project.yml). -#}
{% macro indicator_definitions() -%}
    {%- set definitions = var('indicators') -%}
    {%- set required = [
        'code', 'label_nl', 'label_en', 'unit', 'definition', 'numerator',
        'denominator', 'scale', 'kind', 'first_edition', 'comparability_breaks',
        'comparability_note'] -%}
    {%- set seen = [] -%}
    {%- for indicator in definitions -%}
        {%- for key in required -%}
            {%- if key not in indicator -%}
                {{ exceptions.raise_compiler_error(
                    "indicator " ~ indicator.get('code', loop.index) ~ " lacks key '" ~ key ~ "'") }}
            {%- endif -%}
        {%- endfor -%}
        {%- if indicator.kind not in ['ratio', 'answer'] -%}
            {{ exceptions.raise_compiler_error(
                "indicator " ~ indicator.code ~ ": kind must be ratio or answer") }}
        {%- endif -%}
        {%- if indicator.code in seen -%}
            {{ exceptions.raise_compiler_error("duplicate indicator code " ~ indicator.code) }}
        {%- endif -%}
        {%- do seen.append(indicator.code) -%}
    {%- endfor -%}
    {{ return(definitions) }}
{%- endmacro %}

{#- The canonical numeric question codes, in questionnaire order: every numeric
    question of data_contracts/edition_*.yaml. Computed from the contracts by
    pipelines/orchestration/dbt_args.py and passed as --vars by every dbt run
    (the project's default is empty; parsing needs no list). -#}
{% macro survey_questions() -%}
    {%- set questions = var('survey_questions') -%}
    {%- if execute and not questions -%}
        {{ exceptions.raise_compiler_error(
            "vars.survey_questions is empty: it is computed from the data contracts; run dbt with "
            ~ "--vars \"$(../.venv/bin/python -m pipelines.orchestration.dbt_args)\" "
            ~ "(see dbt_project/README.md)") }}
    {%- endif -%}
    {{ return(questions) }}
{%- endmacro %}

{#- Question codes that count towards own ICT FTE. -#}
{% macro own_ict_fte_questions() -%}
    {%- set codes = [] -%}
    {%- for code in survey_questions() -%}
        {%- if code.startswith('fte_') and code not in ['fte_inhuur', 'fte_organisatie'] -%}
            {%- do codes.append(code) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(codes) }}
{%- endmacro %}

{#- A SQL string literal. -#}
{% macro sql_string(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        '{{ (value | string) | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}

{#- Boolean SQL expression: false in the first edition and in each break. -#}
{% macro comparable_with_previous(indicator, column='edition') -%}
    {%- set breaks = [indicator.first_edition | int] -%}
    {%- for edition in indicator.comparability_breaks or [] -%}
        {%- do breaks.append(edition | int) -%}
    {%- endfor -%}
    {{ column }} not in ({{ breaks | join(', ') }})
{%- endmacro %}
