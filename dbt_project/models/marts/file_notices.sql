{{ config(tags=['edition'], pre_hook="{{ clear_edition_partition() }}") }}

with

notices as (
    select * from {{ ref('stg_survey__file_notices') }}
    where {{ edition_filter() }}
),

final as (
    select
        cast(edition as integer) as edition,
        {{ peildatum('edition') }} as peildatum,
        cast(source_file as varchar) as source_file,
        cast(notice_kind as varchar) as notice_kind,
        cast(message as varchar) as message
    from notices
)

select * from final
