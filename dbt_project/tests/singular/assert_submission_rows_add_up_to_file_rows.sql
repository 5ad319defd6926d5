{{ config(severity='error', meta={'dagster': {'asset_key': ['marts', 'submissions']}}) }}
-- Every data row of a usable file ends up in exactly one submissions row
-- (loaded / superseded / rejected / empty): the counts add up to n_rows.

with

source_files as (
    select * from {{ ref('stg_survey__source_files') }}
    where file_status = 'ok'
),

submissions as (
    select
        edition,
        source_file,
        count(*) as n_submission_rows
    from {{ ref('stg_survey__submissions') }}
    group by edition, source_file
)

select
    source_files.edition,
    source_files.source_file,
    source_files.n_rows,
    coalesce(submissions.n_submission_rows, 0) as n_submission_rows
from source_files
left join submissions
    on
        source_files.edition = submissions.edition
        and source_files.source_file = submissions.source_file
where source_files.n_rows != coalesce(submissions.n_submission_rows, 0)
