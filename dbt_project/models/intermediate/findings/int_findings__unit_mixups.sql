{{ config(materialized='ephemeral') }}

{#- KEUR_EUR_MIXUP: an amount about 1000x off its peers' amounts per
    inhabitant (the median over the other municipalities of the peer group,
    scaled to this municipality's CBS population) or, where the peer group is
    too small to say, off the municipality's own answer in the previous
    edition. Both directions: euros entered where k€ was asked (1000x too
    high) and k€ entered where euros were asked (1000x too low). -#}
{%- set factor = plausibility('unit_mixup_factor') | float %}
{%- set tolerance = plausibility('unit_mixup_tolerance') | float %}
{%- set min_peers = plausibility('unit_mixup_min_peers') | int %}

with

questions as (
    select
        edition,
        question_code,
        question_text
    from {{ ref('int_findings__questions') }}
    where question_kind = 'amount'
),

responses as (
    select
        edition,
        municipality_code,
        question_code,
        value
    from {{ ref('survey_responses') }}
),

municipalities as (
    select
        edition,
        municipality_code,
        population,
        peer_group
    from {{ ref('int_municipality_measures_derived') }}
),

amounts as (
    select
        responses.edition,
        responses.municipality_code,
        responses.question_code,
        questions.question_text,
        responses.value,
        municipalities.population,
        municipalities.peer_group,
        responses.value / municipalities.population as per_inhabitant
    from responses
    inner join questions
        on
            responses.edition = questions.edition
            and responses.question_code = questions.question_code
    inner join municipalities
        on
            responses.edition = municipalities.edition
            and responses.municipality_code = municipalities.municipality_code
    where responses.value > 0
),

peer_medians as (
    select
        amounts.edition,
        amounts.municipality_code,
        amounts.question_code,
        count(*) as n_peers,
        median(peers.per_inhabitant) as peer_median_per_inhabitant
    from amounts
    inner join amounts as peers
        on
            amounts.edition = peers.edition
            and amounts.question_code = peers.question_code
            and amounts.peer_group = peers.peer_group
            and amounts.municipality_code != peers.municipality_code
    where peers.per_inhabitant is not null
    group by amounts.edition, amounts.municipality_code, amounts.question_code
),

compared as (
    select
        amounts.edition,
        amounts.municipality_code,
        amounts.question_code,
        amounts.question_text,
        amounts.value,
        previous.value as previous_value,
        case
            when peer_medians.n_peers >= {{ min_peers }}
                then amounts.value / (peer_medians.peer_median_per_inhabitant * amounts.population)
        end as peer_ratio,
        case
            when peer_medians.n_peers >= {{ min_peers }}
                then peer_medians.peer_median_per_inhabitant * amounts.population
        end as peer_expected,
        amounts.value / previous.value as previous_ratio
    from amounts
    left join peer_medians
        on
            amounts.edition = peer_medians.edition
            and amounts.municipality_code = peer_medians.municipality_code
            and amounts.question_code = peer_medians.question_code
    left join responses as previous
        on
            amounts.edition - 1 = previous.edition
            and amounts.municipality_code = previous.municipality_code
            and amounts.question_code = previous.question_code
            and previous.value > 0
),

classified as (
    select
        *,
        -- the peers decide when there are enough of them; the previous
        -- edition only when there are not (so a corrected answer after a
        -- mix-up year is not flagged)
        coalesce(peer_ratio, previous_ratio) as ratio,
        case
            when peer_ratio is not null then 'peers'
            when previous_ratio is not null then 'previous_edition'
        end as basis
    from compared
),

findings as (
    select
        *,
        case
            when ratio between {{ factor / tolerance }} and {{ factor * tolerance }} then 'high'
            when ratio between {{ 1 / (factor * tolerance) }} and {{ tolerance / factor }} then 'low'
        end as direction
    from classified
    where basis is not null
)

select
    edition,
    municipality_code,
    question_code,
    cast(null as varchar) as indicator_code,
    value,
    case when basis = 'peers' then peer_expected else previous_value end as reference_value,
    'KEUR_EUR_MIXUP' as finding_code,
    'high' as severity,
    'Uw antwoord bij ‘' || coalesce(question_text, question_code) || '’ ('
    || {{ nl_answer('value', "'amount'") }} || ') is ongeveer '
    || case when direction = 'high' then '1000× zo hoog als ' else '1000× zo laag als ' end
    || case
        when basis = 'peers'
            then
                'bij vergelijkbare gemeenten (naar uw inwonertal verwacht: rond '
                || {{ nl_answer('peer_expected', "'amount'") }} || ')'
        else 'uw antwoord in de vorige editie (' || {{ nl_answer('previous_value', "'amount'") }} || ')'
    end
    || case
        when direction = 'high'
            then ': hebt u euro''s ingevuld waar duizenden euro''s (k€) gevraagd werden?'
        else ': hebt u duizenden euro''s (k€) ingevuld waar euro''s gevraagd werden?'
    end as message
from findings
where direction is not null
