with

source as (
    select * from {{ source('raw', 'survey_submissions') }}
),

renamed as (
    select
        cast(edition as integer) as edition,
        cast(boekjaar as integer) as boekjaar,
        source_file,
        source_sha256,
        cast(source_row as integer) as source_row,
        municipality_code,
        municipality_name as reported_municipality_name,
        cast(ingediend_op as timestamp) as ingediend_op,
        status,
        superseded_by
    from source
)

select * from renamed
