with

source as (
    select * from {{ source('raw', 'survey_file_notices') }}
),

renamed as (
    select
        cast(edition as integer) as edition,
        source_file,
        notice_kind,
        message
    from source
)

select * from renamed
