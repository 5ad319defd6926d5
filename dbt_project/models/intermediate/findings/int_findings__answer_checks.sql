{{ config(materialized='ephemeral') }}

{#- Checks of one submission on its own:
    INHABITANTS_DEVIATE_FROM_CBS  self-reported inwoners off the CBS population
                                  by more than inhabitants_max_deviation_pct;
    <bounds code>                 an answer outside the contract's plausible
                                  bounds for its kind (vars.plausibility.bounds:
                                  PERCENT_OVER_100, SCORE_OUT_OF_RANGE,
                                  NEGATIVE_AMOUNT, ...);
    OWN_FTE_EXCEEDS_ORGANISATION  the answered own ICT FTE add up to more
                                  than fte_organisatie. -#}
{%- set max_deviation = plausibility('inhabitants_max_deviation_pct') | float %}
{%- set bounds = plausibility('bounds') %}
{%- set fte_questions = own_ict_fte_questions() %}

with

municipalities as (
    select
        edition,
        boekjaar,
        municipality_code,
        population,
        inwoners,
        fte_organisatie,
        {%- for code in fte_questions %}
        coalesce({{ code }}, 0){% if not loop.last %} +{% endif %}
        {%- endfor %} as own_ict_fte_answered
    from {{ ref('int_municipality_measures_derived') }}
),

questions as (
    select
        edition,
        question_code,
        question_kind,
        question_text
    from {{ ref('int_findings__questions') }}
),

responses as (
    select
        edition,
        municipality_code,
        question_code,
        value
    from {{ ref('survey_responses') }}
    where value is not null
),

inhabitants as (
    select
        edition,
        municipality_code,
        'inwoners' as question_code,
        cast(null as varchar) as indicator_code,
        inwoners as value,
        cast(population as double) as reference_value,
        'INHABITANTS_DEVIATE_FROM_CBS' as finding_code,
        'low' as severity,
        'U vulde ' || {{ nl_number('inwoners') }} || ' inwoners in; het CBS telt op 1 januari '
        || boekjaar || ' ' || {{ nl_number('population') }} || ' inwoners ('
        || {{ nl_number('abs(inwoners - population) / population * 100', 1) }} || ' % '
        || case when inwoners > population then 'meer' else 'minder' end
        || '). Klopt uw aantal? De benchmark rekent met het CBS-cijfer.' as message
    from municipalities
    where
        inwoners is not null
        and population > 0
        and abs(inwoners - population) / population * 100 > {{ max_deviation }}
),

bounds as (
    {%- for kind, bound in bounds.items() %}
    select
        '{{ kind }}' as question_kind,
        {{ bound.get('min', 'null') }} as lower_bound,
        {{ bound.get('max', 'null') }} as upper_bound,
        {{ sql_string(bound.get('below')) }} as below_code,
        {{ sql_string(bound.get('above')) }} as above_code
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

out_of_bounds as (
    select
        responses.edition,
        responses.municipality_code,
        responses.question_code,
        cast(null as varchar) as indicator_code,
        responses.value,
        case
            when responses.value < bounds.lower_bound then bounds.lower_bound
            else bounds.upper_bound
        end as reference_value,
        case
            when responses.value < bounds.lower_bound then bounds.below_code
            else bounds.above_code
        end as finding_code,
        'high' as severity,
        'Uw antwoord bij ‘' || coalesce(questions.question_text, responses.question_code) || '’ ('
        || {{ nl_answer('responses.value', 'questions.question_kind') }} || ') '
        || case
            when questions.question_kind = 'amount' and responses.value < 0 then 'is negatief'
            when responses.value < bounds.lower_bound
                then 'is lager dan ' || {{ nl_number('bounds.lower_bound') }}
            else 'is hoger dan ' || {{ nl_number('bounds.upper_bound') }}
        end
        || case when questions.question_kind = 'percent' then ' %' else '' end
        || case questions.question_kind
            when 'percent' then ': een percentage ligt tussen 0 en 100. Wilt u het antwoord nakijken?'
            when 'score' then ': een rapportcijfer ligt tussen 1 en 10. Wilt u het antwoord nakijken?'
            when 'amount' then ': een negatief bedrag is niet aannemelijk. Wilt u het antwoord nakijken?'
            else '. Wilt u het antwoord nakijken?'
        end as message
    from responses
    inner join questions
        on
            responses.edition = questions.edition
            and responses.question_code = questions.question_code
    inner join bounds
        on questions.question_kind = bounds.question_kind
    where
        responses.value < bounds.lower_bound
        or responses.value > bounds.upper_bound
),

own_fte as (
    select
        edition,
        municipality_code,
        'fte_organisatie' as question_code,
        cast(null as varchar) as indicator_code,
        fte_organisatie as value,
        own_ict_fte_answered as reference_value,
        'OWN_FTE_EXCEEDS_ORGANISATION' as finding_code,
        'high' as severity,
        'De fte''s die u voor eigen ICT-personeel opgeeft (samen '
        || {{ nl_number('own_ict_fte_answered', 1) }}
        || ' fte) zijn meer dan de totale formatie van uw organisatie, inclusief ICT ('
        || {{ nl_number('fte_organisatie', 1) }}
        || ' fte). Wilt u de totale formatie en de verdeling van het ICT-personeel nakijken?'
            as message
    from municipalities
    where
        fte_organisatie is not null
        and own_ict_fte_answered > fte_organisatie
)

select * from inhabitants
union all
select * from out_of_bounds
union all
select * from own_fte
