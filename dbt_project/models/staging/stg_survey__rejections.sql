with

source as (
    select * from {{ source('raw', 'survey_rejections') }}
),

renamed as (
    select
        cast(edition as integer) as edition,
        source_file,
        cast(source_row as integer) as source_row,
        column_name,
        raw_value,
        reason
    from source
)

select * from renamed
