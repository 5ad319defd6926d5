with

source as (
    select * from {{ source('raw', 'cbs_mergers') }}
),

renamed as (
    select
        cast(merger_date as date) as merger_date,
        old_code as old_municipality_code,
        new_code as new_municipality_code,
        cast(share as double) as share
    from source
)

select * from renamed
