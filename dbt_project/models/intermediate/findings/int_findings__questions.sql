{{ config(materialized='ephemeral') }}

{#- The numeric questions per edition with kind and the contract's Dutch
    question text. -#}

with

questions as (
    select
        edition,
        question_code,
        question_kind,
        question_text
    from {{ ref('stg_survey__edition_questions') }}
)

select * from questions
