{{ config(materialized='table', tags=['release']) }}

{#- The municipal division with validity (one row per code and validity
    period) and whether the municipality is on the newest division. -#}

with

municipalities as (
    select * from {{ ref('stg_cbs__municipalities') }}
),

newest_division as (
    select newest_division_date from {{ ref('int_trends__newest_division') }}
),

final as (
    select
        cast(municipalities.municipality_code as varchar) as municipality_code,
        cast(municipalities.municipality_name as varchar) as municipality_name,
        cast(municipalities.province_code as varchar) as province_code,
        cast(municipalities.province_name as varchar) as province_name,
        cast(municipalities.valid_from as date) as valid_from,
        cast(municipalities.valid_to as date) as valid_to,
        cast(
            municipalities.valid_from <= newest_division.newest_division_date
            and (
                municipalities.valid_to is null
                or municipalities.valid_to > newest_division.newest_division_date
            ) as boolean
        ) as on_newest_division,
        cast(newest_division.newest_division_date as date) as newest_division_date
    from municipalities
    cross join newest_division
)

select * from final
