{{ config(materialized='ephemeral') }}

{#- The numeric questions per edition with kind, the contract's Dutch
    question text and its plausible bounds. -#}

with

questions as (
    select
        edition,
        question_code,
        question_kind,
        question_text,
        plausible_min,
        plausible_max
    from {{ ref('stg_survey__edition_questions') }}
)

select * from questions
