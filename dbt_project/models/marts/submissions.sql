{{ config(tags=['edition'], pre_hook="{{ clear_edition_partition() }}") }}

with

submissions as (
    select * from {{ ref('stg_survey__submissions') }}
    where {{ edition_filter() }}
),

source_files as (
    select
        edition,
        source_file,
        contract_version
    from {{ ref('stg_survey__source_files') }}
    where {{ edition_filter() }}
),

final as (
    select
        cast(submissions.edition as integer) as edition,
        {{ peildatum('submissions.edition') }} as peildatum,
        cast(submissions.boekjaar as integer) as boekjaar,
        cast(submissions.source_file as varchar) as source_file,
        cast(submissions.source_sha256 as varchar) as source_sha256,
        cast(submissions.source_row as integer) as source_row,
        cast(submissions.municipality_code as varchar) as municipality_code,
        cast(submissions.reported_municipality_name as varchar) as reported_municipality_name,
        cast(submissions.ingediend_op as timestamp) as ingediend_op,
        cast(submissions.status as varchar) as status,
        cast(submissions.superseded_by as varchar) as superseded_by,
        cast(source_files.contract_version as varchar) as contract_version
    from submissions
    left join source_files
        on
            submissions.edition = source_files.edition
            and submissions.source_file = source_files.source_file
)

select * from final
