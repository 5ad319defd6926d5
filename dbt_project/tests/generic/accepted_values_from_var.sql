{#- Every non-null value of the column occurs in a project var (a list; with
    `attribute`, a list of mappings, e.g. var_name='indicators', attribute='code'). -#}
{% test accepted_values_from_var(model, column_name, var_name, attribute=none) %}

{%- set accepted = [] -%}
{%- for item in var(var_name) -%}
    {%- do accepted.append(item[attribute] if attribute else item) -%}
{%- endfor %}

select {{ column_name }} as value_not_accepted
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }} not in (
        {%- for value in accepted -%}
            '{{ value }}'{{ ", " if not loop.last }}
        {%- endfor -%}
    )

{% endtest %}
