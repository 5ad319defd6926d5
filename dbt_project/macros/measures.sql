{#- Peer group by CBS population on 1 January of the boekjaar. -#}
{% macro peer_group(population) -%}
    case
        when {{ population }} is null then null
        when {{ population }} < 20000 then '<20k'
        when {{ population }} < 50000 then '20k-50k'
        when {{ population }} < 100000 then '50k-100k'
        when {{ population }} < 250000 then '100k-250k'
        else '250k+'
    end
{%- endmacro %}

{#-
  Sum of the components the edition asks (asked_<code> columns). NULL when
  any asked component is NULL (a blank is unknown, never 0) or when none of
  them is asked.
-#}
{% macro sum_of_asked(codes) -%}
    case
        when
            ({% for code in codes %}coalesce(asked_{{ code }}, false){% if not loop.last %} or {% endif %}{% endfor %})
            {%- for code in codes %}
            and (not coalesce(asked_{{ code }}, false) or {{ code }} is not null)
            {%- endfor %}
            then
            {%- for code in codes %}
                coalesce(case when asked_{{ code }} then {{ code }} end, 0)
                {%- if not loop.last %} +{% endif %}
            {%- endfor %}
    end
{%- endmacro %}
