{{ config(materialized='ephemeral') }}

{#- The numeric questions per edition with kind and the contract's Dutch
    question text (raw.survey_edition_questions.question_text, which the
    staging view does not carry). -#}

with

questions as (
    select
        cast(edition as integer) as edition,
        question_code,
        kind as question_kind,
        question_text
    from {{ source('raw', 'survey_edition_questions') }}
)

select * from questions
