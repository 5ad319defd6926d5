{{ config(meta={'dagster': {'asset_key': ['marts', 'peer_benchmarks']}}) }}
-- No published table carries minima or maxima (they could expose a single
-- municipality's answers). The population bounds of the peer groups are
-- definitions, not statistics over answers.
-- depends_on: {{ ref('peer_benchmarks') }}
-- depends_on: {{ ref('indicator_values') }}

select
    table_name,
    column_name
from information_schema.columns
where
    table_schema = 'marts'
    and (
        regexp_matches(lower(column_name), '(^|_)(min|max|minimum|maximum)(_|$)')
        or lower(column_name) in ('lowest', 'highest')
    )
    and not (
        table_name = 'peer_groups'
        and column_name in ('min_inhabitants', 'max_inhabitants')
    )
