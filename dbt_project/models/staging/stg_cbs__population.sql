with

source as (
    select * from {{ source('raw', 'cbs_population') }}
),

renamed as (
    select
        municipality_code,
        cast(reference_date as date) as reference_date,
        cast(year(reference_date) as integer) as reference_year,
        cast(population as bigint) as population
    from source
)

select * from renamed
