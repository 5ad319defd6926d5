{{ config(materialized='table', tags=['release']) }}

{#- Every plausibility finding of every edition (release-wide: several rules
    compare with the previous edition). Warnings for the respondent, never a
    reason to block publication. -#}

with

findings as (
    select * from {{ ref('int_findings__unit_mixups') }}
    union all
    select * from {{ ref('int_findings__cost_outliers') }}
    union all
    select * from {{ ref('int_findings__answer_checks') }}
    union all
    select * from {{ ref('int_findings__missing_answers') }}
    union all
    select * from {{ ref('int_findings__no_population') }}
),

municipalities as (
    select
        edition,
        boekjaar,
        municipality_code,
        municipality_name,
        peer_group
    from {{ ref('int_municipality_measures_derived') }}
),

questions as (
    select
        edition,
        question_code,
        question_text
    from {{ ref('int_findings__questions') }}
),

final as (
    select
        cast(findings.edition as integer) as edition,
        {{ peildatum('findings.edition') }} as peildatum,
        cast(municipalities.boekjaar as integer) as boekjaar,
        cast(findings.municipality_code as varchar) as municipality_code,
        cast(municipalities.municipality_name as varchar) as municipality_name,
        cast(municipalities.peer_group as varchar) as peer_group,
        cast(findings.question_code as varchar) as question_code,
        cast(questions.question_text as varchar) as question_text,
        cast(findings.indicator_code as varchar) as indicator_code,
        cast(findings.value as double) as value,
        cast(findings.reference_value as double) as reference_value,
        cast(findings.finding_code as varchar) as finding_code,
        cast(findings.severity as varchar) as severity,
        cast(findings.message as varchar) as message
    from findings
    left join municipalities
        on
            findings.edition = municipalities.edition
            and findings.municipality_code = municipalities.municipality_code
    left join questions
        on
            findings.edition = questions.edition
            and findings.question_code = questions.question_code
)

select * from final
order by edition, municipality_code, finding_code, question_code
