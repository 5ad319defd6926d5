{{ config(materialized='ephemeral') }}

{#- COST_PER_INHABITANT_OUTLIER: ICT cost per inhabitant outside
    Q1 - k * IQR .. Q3 + k * IQR of the municipality's peer group in the same
    edition (k = vars.plausibility.outlier_iqr_factor; quartiles as in
    peer_benchmarks, over every member with a value). -#}
{%- set k = plausibility('outlier_iqr_factor') | float %}
{%- set min_peers = plausibility('outlier_min_peers') | int %}

with

costs as (
    select
        edition,
        municipality_code,
        peer_group,
        value
    from {{ ref('int_indicator_values_computed') }}
    where
        indicator_code = 'ict_cost_per_inhabitant'
        and peer_group is not null
),

quartiles as (
    select
        edition,
        peer_group,
        count(value) as n_members,
        quantile_cont(value, 0.25) as q1,
        quantile_cont(value, 0.75) as q3
    from costs
    group by edition, peer_group
),

fences as (
    select
        edition,
        peer_group,
        n_members,
        q1,
        q3,
        q1 - {{ k }} * (q3 - q1) as lower_fence,
        q3 + {{ k }} * (q3 - q1) as upper_fence
    from quartiles
    where n_members >= {{ min_peers }}
),

outliers as (
    select
        costs.edition,
        costs.municipality_code,
        costs.peer_group,
        costs.value,
        fences.q1,
        fences.q3,
        case
            when costs.value > fences.upper_fence then fences.upper_fence
            else fences.lower_fence
        end as reference_value,
        costs.value > fences.upper_fence as is_high
    from costs
    inner join fences
        on
            costs.edition = fences.edition
            and costs.peer_group = fences.peer_group
    where costs.value > fences.upper_fence or costs.value < fences.lower_fence
)

select
    edition,
    municipality_code,
    cast(null as varchar) as question_code,
    'ict_cost_per_inhabitant' as indicator_code,
    value,
    reference_value,
    'COST_PER_INHABITANT_OUTLIER' as finding_code,
    'medium' as severity,
    'Uw ICT-kosten per inwoner (€ ' || {{ nl_number('value', 2) }} || ') liggen '
    || case when is_high then 'ver boven' else 'ver onder' end
    || ' die van vergelijkbare gemeenten (de middelste helft ligt tussen € '
    || {{ nl_number('q1', 2) }} || ' en € ' || {{ nl_number('q3', 2) }}
    || '; de grens voor deze controle is € ' || {{ nl_number('reference_value', 2) }}
    || '). Wilt u de kostenbedragen nakijken?' as message
from outliers
