{#-
  Edition partitioning.

  A refresh names the editions it builds in the environment variable
  ICTBENCH_DBT_EDITIONS ("2019,2020"; empty: every edition), read when models run,
  not when dbt parses: the parse then stays the same for every run, and dbt can
  reuse it (partial parsing) instead of parsing the project again.

  By hand, vars do the same:
  dbt build --vars '{"editions": [2019, 2020]}'  builds those editions;
  --vars '{"edition": 2021}' builds one edition; a var set to null means every
  edition (the unit tests set both to null); vars take precedence over the
  environment.
-#}

{#- The editions being built as a list of integers, or none for all editions. -#}
{% macro editions_var() -%}
    {%- set unset = '(not set)' -%}
    {%- set editions = var('editions', unset) -%}
    {%- if editions == unset -%}
        {%- set single = var('edition', unset) -%}
        {%- if single != unset -%}
            {%- set editions = none if single is none or (single is string and single | trim == '') else [single] -%}
        {%- elif execute -%}
            {%- set listed = env_var('ICTBENCH_DBT_EDITIONS', '') | trim -%}
            {%- set editions = listed.split(',') if listed else none -%}
        {%- else -%}
            {#- parsing: the SQL's shape does not depend on the editions -#}
            {%- set editions = none -%}
        {%- endif -%}
    {%- endif -%}
    {%- if editions is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if editions is string or editions is number -%}
        {%- set editions = [editions] -%}
    {%- endif -%}
    {%- set years = [] -%}
    {%- for edition in editions -%}
        {%- set text = edition | string | trim -%}
        {%- if not text.isdigit() or text | length != 4 -%}
            {{ exceptions.raise_compiler_error(
                "editions (vars 'edition'/'editions' or ICTBENCH_DBT_EDITIONS) must be four-digit years, got: " ~ edition) }}
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
