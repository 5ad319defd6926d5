{#- One row per edition x loaded municipality; one column per canonical
    question plus asked_<question> flags. The questions (macro survey_questions):
    every numeric question of the data contracts, in questionnaire order, passed
    as vars.survey_questions by pipelines/orchestration/dbt_args.py. -#}
{%- set questions = survey_questions() -%}

with

submissions as (
    select
        edition,
        municipality_code,
        reported_municipality_name,
        source_file,
        source_row,
        ingediend_op
    from {{ ref('stg_survey__submissions') }}
    where
        status = 'loaded'
        and {{ edition_filter() }}
),

answers as (
    select
        edition,
        municipality_code,
        question_code,
        value,
        source_file,
        source_row
    from {{ ref('stg_survey__answers') }}
    where {{ edition_filter() }}
),

edition_questions as (
    select
        edition,
        question_code
    from {{ ref('stg_survey__edition_questions') }}
    where {{ edition_filter() }}
),

answers_pivoted as (
    select
        edition,
        municipality_code,
        source_file,
        {%- for question in questions %}
        max(value) filter (where question_code = '{{ question }}') as {{ question }},
        {%- endfor %}
        source_row
    from answers
    group by edition, municipality_code, source_file, source_row
),

questions_asked as (
    select
        {%- for question in questions %}
        bool_or(question_code = '{{ question }}') as asked_{{ question }},
        {%- endfor %}
        edition
    from edition_questions
    group by edition
),

final as (
    select
        submissions.edition,
        submissions.edition - 1 as boekjaar,
        submissions.municipality_code,
        submissions.reported_municipality_name,
        submissions.source_file,
        submissions.source_row,
        {%- for question in questions %}
        answers_pivoted.{{ question }},
        {%- endfor %}
        {%- for question in questions %}
        coalesce(questions_asked.asked_{{ question }}, false) as asked_{{ question }},
        {%- endfor %}
        submissions.ingediend_op
    from submissions
    left join answers_pivoted
        on
            submissions.edition = answers_pivoted.edition
            and submissions.municipality_code = answers_pivoted.municipality_code
            and submissions.source_file = answers_pivoted.source_file
            and submissions.source_row = answers_pivoted.source_row
    left join questions_asked
        on submissions.edition = questions_asked.edition
)

select * from final
