with

source as (
    select * from {{ source('raw', 'survey_source_files') }}
),

renamed as (
    select
        cast(edition as integer) as edition,
        source_file,
        source_sha256,
        contract_version,
        cast(n_rows as integer) as n_rows,
        status as file_status,
        reason as file_status_reason
    from source
)

select * from renamed
