with

source as (
    select * from {{ source('raw', 'survey_answers') }}
),

renamed as (
    select
        cast(edition as integer) as edition,
        municipality_code,
        question_code,
        cast(value as double) as value,
        raw_value,
        source_file,
        cast(source_row as integer) as source_row
    from source
)

select * from renamed
