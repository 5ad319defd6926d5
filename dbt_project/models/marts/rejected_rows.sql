{{ config(tags=['edition'], pre_hook="{{ clear_edition_partition() }}") }}

with

rejections as (
    select * from {{ ref('stg_survey__rejections') }}
    where {{ edition_filter() }}
),

source_files as (
    select
        edition,
        source_file,
        source_sha256
    from {{ ref('stg_survey__source_files') }}
    where {{ edition_filter() }}
),

final as (
    select
        cast(rejections.edition as integer) as edition,
        {{ peildatum('rejections.edition') }} as peildatum,
        cast(rejections.source_file as varchar) as source_file,
        cast(rejections.source_row as integer) as source_row,
        cast(rejections.column_name as varchar) as column_name,
        cast(rejections.raw_value as varchar) as raw_value,
        cast(rejections.reason as varchar) as reason,
        cast(source_files.source_sha256 as varchar) as source_sha256
    from rejections
    left join source_files
        on
            rejections.edition = source_files.edition
            and rejections.source_file = source_files.source_file
)

select * from final
