{#-
  Edition partitioning.

  dbt build --vars '{"editions": [2019, 2020]}'  builds those editions (one dbt run
  for a Dagster partition range); --vars '{"edition": 2021}' builds one edition;
  without either var (or with null) every edition is built.
-#}

{#- The editions being built as a list of integers, or none for all editions. -#}
{% macro editions_var() -%}
    {%- set editions = var('editions', none) -%}
    {%- if editions is none -%}
        {%- set single = var('edition', none) -%}
        {%- if single is none or (single is string and single | trim == '') -%}
            {{ return(none) }}
        {%- endif -%}
        {%- set editions = [single] -%}
    {%- endif -%}
    {%- if editions is string or editions is number -%}
        {%- set editions = [editions] -%}
    {%- endif -%}
    {%- set years = [] -%}
    {%- for edition in editions -%}
        {%- set text = edition | string | trim -%}
        {%- if not text.isdigit() or text | length != 4 -%}
            {{ exceptions.raise_compiler_error(
                "vars 'edition'/'editions' must be four-digit years, got: " ~ edition) }}
        {%- endif -%}
        {%- do years.append(text | int) -%}
    {%- endfor -%}
    {%- if years | length == 0 -%}
        {{ exceptions.raise_compiler_error("var 'editions' is an empty list") }}
    {%- endif -%}
    {{ return(years | unique | sort) }}
{%- endmacro %}

{#- A predicate restricting `column` to the editions being built (or `true`). -#}
{% macro edition_filter(column='edition') -%}
    {%- set editions = editions_var() -%}
    {%- if editions is none -%}
        true
    {%- else -%}
        {{ column }} in ({{ editions | join(', ') }})
    {%- endif -%}
{%- endmacro %}

{#-
  pre-hook of every per-edition incremental model (runs inside the model's
  transaction, before the new batch is inserted). delete+insert alone only
  deletes editions that occur in the new batch, so an edition whose new batch
  is empty would keep stale rows; this deletes the editions unconditionally.
  Without an edition var the whole table is emptied and rebuilt.
-#}
{% macro clear_edition_partition() -%}
    {%- if is_incremental() -%}
        {%- set editions = editions_var() -%}
        {%- if editions is none -%}
            delete from {{ this }}
        {%- else -%}
            delete from {{ this }} where edition in ({{ editions | join(', ') }})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The date of an edition for BI time axes (`peildatum`): 1 January of its boekjaar,
    the book year the figures describe (edition - 1). -#}
{% macro peildatum(edition_column) -%}
    make_date(cast({{ edition_column }} as integer) - 1, 1, 1)
{%- endmacro %}
