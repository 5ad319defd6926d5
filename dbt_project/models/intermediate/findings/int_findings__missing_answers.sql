{{ config(materialized='ephemeral') }}

{#- MISSING_ANSWERED_LAST_EDITION: no (readable) answer to a question that
    the edition asks and that the municipality answered in the previous
    edition. -#}

with

questions as (
    select
        edition,
        question_code,
        question_kind,
        question_text
    from {{ ref('int_findings__questions') }}
),

responses as (
    select
        edition,
        municipality_code,
        question_code,
        value
    from {{ ref('survey_responses') }}
),

missing as (
    select
        responses.edition,
        responses.municipality_code,
        responses.question_code,
        questions.question_kind,
        questions.question_text,
        previous.value as previous_value
    from responses
    inner join responses as previous
        on
            responses.edition - 1 = previous.edition
            and responses.municipality_code = previous.municipality_code
            and responses.question_code = previous.question_code
    left join questions
        on
            responses.edition = questions.edition
            and responses.question_code = questions.question_code
    where
        responses.value is null
        and previous.value is not null
)

select
    edition,
    municipality_code,
    question_code,
    cast(null as varchar) as indicator_code,
    cast(null as double) as value,
    previous_value as reference_value,
    'MISSING_ANSWERED_LAST_EDITION' as finding_code,
    'low' as severity,
    'U hebt ‘' || coalesce(question_text, question_code)
    || '’ niet (leesbaar) ingevuld, terwijl u deze vraag in de vorige editie wel beantwoordde ('
    || {{ nl_answer('previous_value', 'question_kind') }}
    || '). Kunt u het antwoord alsnog geven?' as message
from missing
