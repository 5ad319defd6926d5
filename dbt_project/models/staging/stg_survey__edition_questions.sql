with

source as (
    select * from {{ source('raw', 'survey_edition_questions') }}
),

renamed as (
    select
        cast(edition as integer) as edition,
        question_code,
        kind as question_kind,
        unit as question_unit,
        cast(required as boolean) as is_required,
        question_text,
        cast(plausible_min as double) as plausible_min,
        cast(plausible_max as double) as plausible_max
    from source
)

select * from renamed
