-- The 15 public indicator codes (shared/spec/outputs.md) are all in the
-- `indicators` table, and it holds no others.

with

expected as (
    select unnest([
        'ict_cost_per_inhabitant',
        'ict_cost_per_fte',
        'ict_cost_per_workplace',
        'ict_cost_pct_of_expenditure',
        'ict_fte_per_100_fte',
        'security_fte_per_100k_inhabitants',
        'privacy_fte_per_100k_inhabitants',
        'data_fte_per_100k_inhabitants',
        'external_hire_pct_of_staff_cost',
        'outsourcing_pct_of_ict_cost',
        'saas_pct_of_software_cost',
        'location_independent_pct',
        'data_breaches_per_100k_inhabitants',
        'applications_per_100_fte',
        'ict_satisfaction'
    ]) as indicator_code
),

actual as (
    select indicator_code from {{ ref('indicators') }}
),

missing as (
    select
        indicator_code,
        'missing from indicators' as problem
    from expected
    where indicator_code not in (select actual.indicator_code from actual)
),

unexpected as (
    select
        indicator_code,
        'not a public indicator code' as problem
    from actual
    where indicator_code not in (select expected.indicator_code from expected)
)

select * from missing
union all
select * from unexpected
