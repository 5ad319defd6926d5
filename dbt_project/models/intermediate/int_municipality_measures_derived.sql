{#- Adds CBS population and name (on 1 January of the boekjaar), the peer
    group and the derived measures the indicator expressions use. -#}

with

answers as (
    select * from {{ ref('int_survey_answers_pivoted') }}
    where {{ edition_filter() }}
),

population as (
    select
        municipality_code,
        reference_date,
        population
    from {{ ref('stg_cbs__population') }}
),

municipalities as (
    select
        municipality_code,
        municipality_name,
        valid_from,
        valid_to
    from {{ ref('stg_cbs__municipalities') }}
),

with_reference as (
    select
        answers.*,
        make_date(answers.boekjaar, 1, 1) as population_reference_date,
        population.population,
        municipalities.municipality_name
    from answers
    left join population
        on
            answers.municipality_code = population.municipality_code
            and population.reference_date = make_date(answers.boekjaar, 1, 1)
    left join municipalities
        on
            answers.municipality_code = municipalities.municipality_code
            and municipalities.valid_from <= make_date(answers.boekjaar, 1, 1)
            and (
                municipalities.valid_to is null
                or municipalities.valid_to > make_date(answers.boekjaar, 1, 1)
            )
),

software as (
    select
        *,
        {{ peer_group('population') }} as peer_group,
        -- kosten_software until 2020, kosten_licenties + kosten_saas from 2021
        case
            when asked_kosten_software then kosten_software
            else {{ sum_of_asked(['kosten_licenties', 'kosten_saas']) }}
        end as software_cost,
        kosten_personeel + kosten_inhuur as staff_cost,
        {{ sum_of_asked(own_ict_fte_questions()) }} as own_ict_fte
    from with_reference
),

final as (
    select
        *,
        -- never kosten_informatiebeveiliging: already included in the others
        software_cost
        + {{ sum_of_asked([
            'kosten_personeel', 'kosten_inhuur', 'kosten_hardware',
            'kosten_uitbesteding', 'kosten_telecom', 'kosten_overig']) }}
            as total_ict_cost
    from software
)

select * from final
