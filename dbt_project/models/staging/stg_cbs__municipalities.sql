with

source as (
    select * from {{ source('raw', 'cbs_municipalities') }}
),

renamed as (
    select
        municipality_code,
        municipality_name,
        province_code,
        province_name,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to
    from source
)

select * from renamed
