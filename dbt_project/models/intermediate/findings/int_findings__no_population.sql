{{ config(materialized='ephemeral') }}

{#- NO_POPULATION: a participating municipality without CBS population on
    1 January of its boekjaar (others of the edition have one; a whole year
    missing blocks the edition: check population_available). It gets no
    per-inhabitant indicators and no peer group; its other indicators are
    published and count in peer group `all`. -#}

with

municipalities as (
    select
        edition,
        boekjaar,
        municipality_code,
        inwoners,
        population
    from {{ ref('int_municipality_measures_derived') }}
)

select
    edition,
    municipality_code,
    'inwoners' as question_code,
    cast(null as varchar) as indicator_code,
    inwoners as value,
    cast(null as double) as reference_value,
    'NO_POPULATION' as finding_code,
    'medium' as severity,
    'Geen CBS-inwonertal op 1 januari ' || boekjaar
    || ' voor deze gemeente: indicatoren per inwoner en de vergelijkingsgroep ontbreken. '
    || 'De benchmark rekent alleen met het CBS-cijfer, niet met uw eigen opgave.' as message
from municipalities
where population is null
