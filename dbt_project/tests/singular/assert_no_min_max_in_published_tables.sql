{{ config(meta={'dagster': {'asset_key': ['marts', 'peer_benchmarks']}}) }}
-- No published table carries minima or maxima (they could expose a single
-- municipality's answers). A column whose properties say
-- `meta: {not_a_statistic: true}` is a definition, not a statistic over answers
-- (the population bounds of the peer groups).
-- depends_on: {{ ref('peer_benchmarks') }}
-- depends_on: {{ ref('indicator_values') }}
{%- set definitions = [] %}
{%- for node in graph.nodes.values() if execute and node.resource_type == 'model' %}
{%- for column in node.columns.values() if column.meta.get('not_a_statistic') %}
{%- do definitions.append(node.alias ~ '.' ~ column.name) %}
{%- endfor %}
{%- endfor %}

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
    and table_name || '.' || column_name not in (
        -- '' names no column: the list stays valid when no column is marked
        ''
        {%- for definition in definitions | sort %},
        '{{ definition }}'
        {%- endfor %}
    )
