{#-
  Edition partitioning.

  dbt build --vars '{"edition": 2021}'  builds one edition;
  without the var (or with edition: null) every edition is built.
-#}

{#- The edition being built as an integer, or none for all editions. -#}
{% macro edition_var() -%}
    {%- set edition = var('edition', none) -%}
    {%- if edition is none or (edition is string and edition | trim == '') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if edition is string -%}
        {%- set edition = edition | trim -%}
    {%- endif -%}
    {%- if not (edition | string).isdigit() or (edition | string) | length != 4 -%}
        {{ exceptions.raise_compiler_error(
            "var 'edition' must be a four-digit year or null, got: " ~ edition) }}
    {%- endif -%}
    {{ return(edition | int) }}
{%- endmacro %}

{#- A predicate restricting `column` to the edition being built (or `true`). -#}
{% macro edition_filter(column='edition') -%}
    {%- set edition = edition_var() -%}
    {%- if edition is none -%}
        true
    {%- else -%}
        {{ column }} = {{ edition }}
    {%- endif -%}
{%- endmacro %}

{#-
  pre-hook of every per-edition incremental model (runs inside the model's
  transaction, before the new batch is inserted). delete+insert alone only
  deletes editions that occur in the new batch, so an edition whose new batch
  is empty would keep stale rows; this deletes the edition unconditionally.
  Without an edition var the whole table is emptied and rebuilt.
-#}
{% macro clear_edition_partition() -%}
    {%- if is_incremental() -%}
        {%- set edition = edition_var() -%}
        {%- if edition is none -%}
            delete from {{ this }}
        {%- else -%}
            delete from {{ this }} where edition = {{ edition }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
