{{ config(tags=['edition'], pre_hook="{{ clear_edition_partition() }}") }}

with

submissions as (
    select
        edition,
        municipality_code,
        source_file,
        source_row
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
        raw_value,
        source_file,
        source_row
    from {{ ref('stg_survey__answers') }}
    where {{ edition_filter() }}
),

edition_questions as (
    select
        edition,
        question_code,
        question_unit
    from {{ ref('stg_survey__edition_questions') }}
    where {{ edition_filter() }}
),

final as (
    select
        cast(answers.edition as integer) as edition,
        {{ peildatum('answers.edition') }} as peildatum,
        cast(answers.municipality_code as varchar) as municipality_code,
        cast(answers.question_code as varchar) as question_code,
        cast(answers.value as double) as value,
        cast(edition_questions.question_unit as varchar) as unit,
        cast(answers.raw_value as varchar) as raw_value,
        cast(answers.source_file as varchar) as source_file,
        cast(answers.source_row as integer) as source_row
    from answers
    inner join submissions
        on
            answers.edition = submissions.edition
            and answers.municipality_code = submissions.municipality_code
            and answers.source_file = submissions.source_file
            and answers.source_row = submissions.source_row
    left join edition_questions
        on
            answers.edition = edition_questions.edition
            and answers.question_code = edition_questions.question_code
)

select * from final
