{{ config(materialized='ephemeral') }}

{#- Checks of one submission on its own:
    INHABITANTS_DEVIATE_FROM_CBS  self-reported inwoners off the CBS population
                                  by more than inhabitants_max_deviation_pct;
    <bound finding>               an answer outside its contract's plausible
                                  bounds (codes per kind in
                                  vars.plausibility.bound_findings:
                                  PERCENT_OVER_100, SCORE_OUT_OF_RANGE,
                                  NEGATIVE_AMOUNT, ...);
    OWN_FTE_EXCEEDS_ORGANISATION  the answered own ICT FTE add up to more
                                  than fte_organisatie. -#}
{%- set max_deviation = plausibility('inhabitants_max_deviation_pct') | float %}
{%- set bound_findings = plausibility('bound_findings') %}
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
        question_text,
        plausible_min,
        plausible_max
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

bound_findings as (
    {%- for kind, codes in bound_findings.items() %}
    select
        '{{ kind }}' as question_kind,
        {{ sql_string(codes.get('below')) }} as below_code,
        {{ sql_string(codes.get('above')) }} as above_code
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

bounds as (
    select
        questions.edition,
        questions.question_code,
        questions.plausible_min as lower_bound,
        questions.plausible_max as upper_bound,
        bound_findings.below_code,
        bound_findings.above_code
    from questions
    inner join bound_findings
        on questions.question_kind = bound_findings.question_kind
    where questions.plausible_min is not null or questions.plausible_max is not null
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
        || case
            when questions.question_kind = 'amount' and responses.value < 0
                then ': een negatief bedrag is niet aannemelijk'
            when bounds.lower_bound is not null and bounds.upper_bound is not null
                then
                    ': '
                    || case questions.question_kind
                        when 'percent' then 'een percentage'
                        when 'score' then 'een rapportcijfer'
                        else 'het antwoord'
                    end
                    || ' ligt tussen ' || {{ nl_number('bounds.lower_bound') }}
                    || ' en ' || {{ nl_number('bounds.upper_bound') }}
            else ''
        end
        || '. Wilt u het antwoord nakijken?' as message
    from responses
    inner join questions
        on
            responses.edition = questions.edition
            and responses.question_code = questions.question_code
    inner join bounds
        on
            responses.edition = bounds.edition
            and responses.question_code = bounds.question_code
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
