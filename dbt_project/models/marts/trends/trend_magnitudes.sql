{{ config(materialized='table', tags=['release']) }}

{#- One measured magnitude per trend beside the article's Richter score.
    Per indicator of the trend: the compound annual change (CAGR) of its
    all-participant median over its latest comparable stretch of consecutive
    editions (from the latest comparability break, first edition or gap to
    the last edition with a median); for a trend with magnitude
    mean_abs_change (5, ever faster change) instead the mean absolute
    year-on-year change over that stretch. Per trend: the mean of these
    absolute changes in % per year (m) over its indicators, on a log scale:
    measured_richter = min(10, 5 * log10(1 + m)) -- 0 %/yr = 0, 1 % = 1.5,
    3 % = 3.0, 10 % = 5.2, 25 % = 7.1, 58 % = 10 (5 points = a factor 10 in 1 + m). -#}

with

trend_monitor as (
    select * from {{ ref('trend_monitor') }}
),

magnitude_methods as (
    {%- for trend in var('trends') %}
    select
        {{ trend.code | int }} as trend_code,
        {{ sql_string(trend.get('magnitude', 'cagr')) }} as magnitude_method
    {% if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}
),

with_medians as (
    select
        trend_code,
        trend_name,
        article_richter,
        indicator_code,
        edition,
        median,
        comparable_with_previous,
        change_vs_previous_pct,
        lag(edition) over (
            partition by trend_code, indicator_code order by edition
        ) as previous_edition
    from trend_monitor
    where median is not null
),

stretch_starts as (
    select
        *,
        -- a new stretch starts at a break, the first edition or after a gap
        sum(
            case
                when
                    not comparable_with_previous or previous_edition is null
                    or previous_edition != edition - 1 then 1
                else 0
            end
        ) over (
            partition by trend_code, indicator_code order by edition
            rows between unbounded preceding and current row
        ) as stretch
    from with_medians
),

last_stretches as (
    select
        trend_code,
        indicator_code,
        max(stretch) as stretch
    from stretch_starts
    group by trend_code, indicator_code
),

indicator_changes as (
    select
        stretch_starts.trend_code,
        stretch_starts.indicator_code,
        min(stretch_starts.edition) as edition_from,
        max(stretch_starts.edition) as edition_to,
        arg_min(stretch_starts.median, stretch_starts.edition) as median_from,
        arg_max(stretch_starts.median, stretch_starts.edition) as median_to,
        -- year-on-year changes within the stretch (NULL at its first edition),
        -- averaged in edition order: a floating-point sum depends on its order
        avg(abs(stretch_starts.change_vs_previous_pct) order by stretch_starts.edition)
            as mean_abs_change_pct
    from stretch_starts
    inner join last_stretches
        on
            stretch_starts.trend_code = last_stretches.trend_code
            and stretch_starts.indicator_code = last_stretches.indicator_code
            and stretch_starts.stretch = last_stretches.stretch
    group by stretch_starts.trend_code, stretch_starts.indicator_code
),

indicator_cagr as (
    select
        indicator_changes.*,
        magnitude_methods.magnitude_method,
        case
            when magnitude_methods.magnitude_method = 'mean_abs_change'
                then indicator_changes.mean_abs_change_pct
            when
                indicator_changes.edition_to > indicator_changes.edition_from
                and indicator_changes.median_from > 0
                and indicator_changes.median_to >= 0
                then (
                    pow(
                        indicator_changes.median_to / indicator_changes.median_from,
                        1.0 / (indicator_changes.edition_to - indicator_changes.edition_from)
                    ) - 1
                ) * 100
        end as cagr_pct
    from indicator_changes
    inner join magnitude_methods
        on indicator_changes.trend_code = magnitude_methods.trend_code
),

trends as (
    select distinct
        trend_code,
        trend_name,
        article_richter
    from trend_monitor
),

per_trend as (
    select
        trends.trend_code,
        trends.trend_name,
        trends.article_richter,
        -- in indicator order, not arrival order (floating-point sums depend on it)
        avg(abs(indicator_cagr.cagr_pct) order by indicator_cagr.indicator_code)
            as mean_abs_cagr_pct,
        avg(indicator_cagr.cagr_pct order by indicator_cagr.indicator_code) as mean_cagr_pct,
        count(indicator_cagr.cagr_pct) as n_indicators_measured,
        min(case when indicator_cagr.cagr_pct is not null then indicator_cagr.edition_from end)
            as editions_from,
        max(case when indicator_cagr.cagr_pct is not null then indicator_cagr.edition_to end)
            as editions_to,
        string_agg(
            indicator_cagr.indicator_code || ' '
            || case
                when indicator_cagr.cagr_pct is null then 'n/a' else
                    printf('%+.2f', indicator_cagr.cagr_pct) || ' %/yr '
                    || indicator_cagr.edition_from || '-' || indicator_cagr.edition_to
            end,
            '; ' order by indicator_cagr.indicator_code
        ) as indicator_details
    from trends
    left join indicator_cagr
        on trends.trend_code = indicator_cagr.trend_code
    group by trends.trend_code, trends.trend_name, trends.article_richter
),

final as (
    select
        cast(per_trend.trend_code as integer) as trend_code,
        cast(per_trend.trend_name as varchar) as trend_name,
        cast(per_trend.article_richter as double) as article_richter,
        cast(
            case
                when per_trend.mean_abs_cagr_pct is not null
                    then least(10, 5 * log10(1 + per_trend.mean_abs_cagr_pct))
            end as double
        ) as measured_richter,
        cast(per_trend.mean_abs_cagr_pct as double) as mean_abs_cagr_pct,
        cast(per_trend.mean_cagr_pct as double) as mean_cagr_pct,
        cast(per_trend.n_indicators_measured as integer) as n_indicators_measured,
        cast(per_trend.editions_from as integer) as editions_from,
        cast(per_trend.editions_to as integer) as editions_to,
        cast(per_trend.indicator_details as varchar) as indicator_details,
        cast(
            'measured_richter = min(10, 5 * log10(1 + m)), m = mean over the trend''s indicators of '
            || case
                when magnitude_methods.magnitude_method = 'mean_abs_change'
                    then 'the mean absolute year-on-year change (%) '
                else 'the absolute compound annual change (% per year) '
            end
            || 'of the all-participant median over its latest comparable stretch of consecutive editions'
            as varchar
        ) as method  -- noqa: RF04
    from per_trend
    inner join magnitude_methods
        on per_trend.trend_code = magnitude_methods.trend_code
)

select * from final
