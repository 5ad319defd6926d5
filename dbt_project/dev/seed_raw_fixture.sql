-- Development fixture: a small hand-made `raw` schema for working on the dbt
-- project without running the Python ingest.  NOT used by the pipeline.
--
--   export ICTBENCH_WAREHOUSE=/tmp/dbtdev && sh dev/reset_fixture.sh
--   ../.venv/bin/dbt build --profiles-dir .
--
-- Editions 2019-2022, 16 municipalities (fictitious figures), including:
--   * a superseded submission and its correction file (2021),
--   * a rejected row and an empty row (2021),
--   * Weesp (GM0457), dissolved 2022-03-24 into Amsterdam (GM0363),
--   * a blank own-FTE component (GM0088, fte_data 2021) and a zero
--     fte_organisatie (GM0096, 2020).
-- Amounts are already canonical (euros), as the ingest writes them.

create schema if not exists raw;

-- the raw tables exactly as docs/architecture.md defines them
create or replace table raw.survey_source_files (
    edition integer, source_file varchar, source_sha256 varchar, contract_version varchar,
    n_rows integer, status varchar, reason varchar
);
create or replace table raw.survey_submissions (
    edition integer, boekjaar integer, source_file varchar, source_sha256 varchar,
    source_row integer, municipality_code varchar, municipality_name varchar,
    ingediend_op timestamp, status varchar, superseded_by varchar
);
create or replace table raw.survey_answers (
    edition integer, municipality_code varchar, question_code varchar, value double,
    raw_value varchar, source_file varchar, source_row integer
);
create or replace table raw.survey_rejections (
    edition integer, source_file varchar, source_row integer, column_name varchar,
    raw_value varchar, reason varchar
);
create or replace table raw.survey_edition_questions (
    edition integer, question_code varchar, kind varchar, unit varchar, required boolean
);
create or replace table raw.cbs_municipalities (
    municipality_code varchar, municipality_name varchar, province_code varchar,
    province_name varchar, valid_from date, valid_to date
);
create or replace table raw.cbs_population (
    municipality_code varchar, reference_date date, population bigint
);
create or replace table raw.cbs_mergers (
    merger_date date, old_code varchar, new_code varchar, share double
);

insert into raw.cbs_municipalities
select * from (values
    ('GM0363', 'Amsterdam', '27', 'Noord-Holland', date '1970-01-01', null::date),
    ('GM0457', 'Weesp', '27', 'Noord-Holland', date '1970-01-01', date '2022-03-24'),
    ('GM0599', 'Rotterdam', '28', 'Zuid-Holland', date '1970-01-01', null::date),
    ('GM0344', 'Utrecht', '26', 'Utrecht', date '1970-01-01', null::date),
    ('GM0014', 'Groningen', '20', 'Groningen', date '2019-01-01', null::date),
    ('GM0034', 'Almere', '24', 'Flevoland', date '1984-01-01', null::date),
    ('GM0772', 'Eindhoven', '30', 'Noord-Brabant', date '1970-01-01', null::date),
    ('GM0200', 'Apeldoorn', '25', 'Gelderland', date '1970-01-01', null::date),
    ('GM0153', 'Enschede', '23', 'Overijssel', date '1970-01-01', null::date),
    ('GM0080', 'Leeuwarden', '21', 'Fryslân', date '2018-01-01', null::date),
    ('GM0141', 'Almelo', '23', 'Overijssel', date '1970-01-01', null::date),
    ('GM0307', 'Amersfoort', '26', 'Utrecht', date '1970-01-01', null::date),
    ('GM0088', 'Schiermonnikoog', '21', 'Fryslân', date '1970-01-01', null::date),
    ('GM0093', 'Terschelling', '21', 'Fryslân', date '1970-01-01', null::date),
    ('GM0096', 'Vlieland', '21', 'Fryslân', date '1970-01-01', null::date),
    ('GM0060', 'Ameland', '21', 'Fryslân', date '1970-01-01', null::date)
) as t (municipality_code, municipality_name, province_code, province_name, valid_from, valid_to);

insert into raw.cbs_mergers
select * from (values
    (date '2022-03-24', 'GM0457', 'GM0363', 1.0)
) as t (merger_date, old_code, new_code, share);

-- population on 1 January 2018..2022 (Weesp still existed on 2022-01-01)
insert into raw.cbs_population
with base (municipality_code, pop2018) as (
    values
        ('GM0363', 854047), ('GM0457', 19147), ('GM0599', 638712), ('GM0344', 347483),
        ('GM0014', 229962), ('GM0034', 203990), ('GM0772', 229126), ('GM0200', 161156),
        ('GM0153', 158261), ('GM0080', 122415), ('GM0141', 72629), ('GM0307', 155226),
        ('GM0088', 932), ('GM0093', 4906), ('GM0096', 1132), ('GM0060', 3654)
)
select
    municipality_code,
    make_date(y, 1, 1) as reference_date,
    cast(round(pop2018 * (1 + 0.01 * (y - 2018))) as bigint) as population
from base, range(2018, 2023) as r (y);

insert into raw.survey_edition_questions
with q (question_code, kind, unit, first_edition, last_edition, required) as (
    values
        ('inwoners', 'integer', 'count', 2019, 9999, false),
        ('fte_organisatie', 'number', 'fte', 2019, 9999, false),
        ('medewerkers', 'integer', 'count', 2019, 9999, false),
        ('werkplekken', 'integer', 'count', 2019, 9999, false),
        ('begroting_lasten', 'amount', 'eur', 2019, 9999, false),
        ('kosten_personeel', 'amount', 'eur', 2019, 9999, false),
        ('kosten_inhuur', 'amount', 'eur', 2019, 9999, false),
        ('kosten_hardware', 'amount', 'eur', 2019, 9999, false),
        ('kosten_software', 'amount', 'eur', 2019, 2020, false),
        ('kosten_licenties', 'amount', 'eur', 2021, 9999, false),
        ('kosten_saas', 'amount', 'eur', 2021, 9999, false),
        ('kosten_uitbesteding', 'amount', 'eur', 2019, 9999, false),
        ('kosten_telecom', 'amount', 'eur', 2019, 9999, false),
        ('kosten_overig', 'amount', 'eur', 2019, 9999, false),
        ('kosten_informatiebeveiliging', 'amount', 'eur', 2019, 9999, false),
        ('fte_werkplekbeheer', 'number', 'fte', 2019, 9999, false),
        ('fte_applicatiebeheer', 'number', 'fte', 2019, 9999, false),
        ('fte_functioneel_beheer', 'number', 'fte', 2019, 9999, false),
        ('fte_informatiemanagement', 'number', 'fte', 2019, 9999, false),
        ('fte_informatiebeveiliging', 'number', 'fte', 2019, 9999, false),
        ('fte_privacy', 'number', 'fte', 2020, 9999, false),
        ('fte_data', 'number', 'fte', 2021, 9999, false),
        ('fte_ontwikkeling', 'number', 'fte', 2019, 9999, false),
        ('fte_inhuur', 'number', 'fte', 2019, 9999, false),
        ('aantal_applicaties', 'integer', 'count', 2019, 9999, false),
        ('pct_plaatsonafhankelijk', 'percent', 'percent', 2020, 9999, false),
        ('aantal_datalekken', 'integer', 'count', 2021, 9999, false),
        ('tevredenheid_ict', 'score', 'score', 2019, 9999, false)
)
select e as edition, question_code, kind, unit, required
from q, range(2019, 2023) as r (e)
where e between first_edition and last_edition;

insert into raw.survey_source_files
select * from (values
    (2019, 'export_2019.csv', repeat('a', 64), '2019.1', 14, 'ok', null),
    (2020, 'export_2020.csv', repeat('b', 64), '2020.1', 17, 'ok', null),
    (2021, 'export_2021.csv', repeat('c', 64), '2021.1', 16, 'ok', null),
    (2021, 'nalevering_2021.csv', repeat('d', 64), '2021.1', 2, 'ok', null),
    (2022, 'export_2022.xlsx', repeat('e', 64), '2022.1', 15, 'ok', null)
) as t (edition, source_file, source_sha256, contract_version, n_rows, status, reason);

-- which municipality takes part in which edition (row numbers as a spreadsheet shows them)
insert into raw.survey_submissions
with muni (municipality_code, municipality_name, ord) as (
    values
        ('GM0363', 'Amsterdam', 1), ('GM0457', 'Weesp', 2), ('GM0599', 'Rotterdam', 3),
        ('GM0344', 'Utrecht', 4), ('GM0014', 'Groningen', 5), ('GM0034', 'Almere', 6),
        ('GM0772', 'Eindhoven', 7), ('GM0200', 'Apeldoorn', 8), ('GM0153', 'Enschede', 9),
        ('GM0080', 'Leeuwarden', 10), ('GM0141', 'Almelo', 11), ('GM0307', 'Amersfoort', 12),
        ('GM0088', 'Schiermonnikoog', 13), ('GM0093', 'Terschelling', 14),
        ('GM0096', 'Vlieland', 15), ('GM0060', 'Ameland', 16)
),
main as (
    select
        e as edition,
        e - 1 as boekjaar,
        case e when 2019 then 'export_2019.csv' when 2020 then 'export_2020.csv'
            when 2021 then 'export_2021.csv' else 'export_2022.xlsx' end as source_file,
        case e when 2019 then repeat('a', 64) when 2020 then repeat('b', 64)
            when 2021 then repeat('c', 64) else repeat('e', 64) end as source_sha256,
        ord + case when e >= 2022 then 2 else 1 end as source_row,
        municipality_code,
        municipality_name,
        make_timestamp(e, 3, 1, 12, 0, 0) + to_days(ord) as ingediend_op,
        case when e = 2021 and municipality_code = 'GM0141' then 'superseded' else 'loaded' end as status,
        case when e = 2021 and municipality_code = 'GM0141' then 'nalevering_2021.csv:2' end as superseded_by
    from muni, range(2019, 2023) as r (e)
    -- Weesp skips 2019, Ameland takes part only from 2020, Vlieland skips 2022
    where not (municipality_code = 'GM0457' and e = 2019)
      and not (municipality_code = 'GM0060' and e = 2019)
      and not (municipality_code = 'GM0096' and e = 2022)
)
select * from main
union all
select 2021, 2020, 'nalevering_2021.csv', repeat('d', 64), 2, 'GM0141', 'Almelo',
    timestamp '2021-04-15 09:30', 'loaded', null
union all
select 2021, 2020, 'nalevering_2021.csv', repeat('d', 64), 3, null, null,
    null, 'empty', null
union all
select 2020, 2019, 'export_2020.csv', repeat('b', 64), 18, 'GM9999', 'Nergenshuizen',
    timestamp '2020-03-30 10:00', 'rejected', null;

insert into raw.survey_rejections
select * from (values
    (2020, 'export_2020.csv', 18, 'gemeentecode', 'GM9999',
        'municipality code GM9999 did not exist on 2019-01-01'),
    (2021, 'export_2021.csv', 10, 'fte_werkplekbeheer', '-3',
        'negative FTE is impossible')
) as t (edition, source_file, source_row, column_name, raw_value, reason);

-- one row per loaded submission x asked question; deterministic made-up values
insert into raw.survey_answers
with sub as (
    select s.edition, s.municipality_code, s.source_file, s.source_row, p.population
    from raw.survey_submissions as s
    inner join raw.cbs_population as p
        on s.municipality_code = p.municipality_code
        and p.reference_date = make_date(s.edition - 1, 1, 1)
    where s.status = 'loaded'
),
base as (
    select
        sub.*,
        q.question_code,
        (1 + 0.04 * (sub.edition - 2019)) * (0.8 + (hash(sub.municipality_code) % 40) / 100.0) as f
    from sub
    inner join raw.survey_edition_questions as q on sub.edition = q.edition
),
val as (
    select
        *,
        case question_code
            when 'inwoners' then round(population * 1.005)
            when 'fte_organisatie' then case when municipality_code = 'GM0096' and edition = 2020 then 0
                else round(population * 0.007 * f, 1) end
            when 'medewerkers' then round(population * 0.008 * f)
            when 'werkplekken' then round(population * 0.009 * f)
            when 'begroting_lasten' then round(population * 2500 * f)
            when 'kosten_personeel' then round(population * 30 * f)
            when 'kosten_inhuur' then round(population * 12 * f)
            when 'kosten_hardware' then round(population * 8 * f)
            when 'kosten_software' then round(population * 20 * f)
            when 'kosten_licenties' then round(population * 13 * f)
            when 'kosten_saas' then round(population * 9 * f)
            when 'kosten_uitbesteding' then round(population * 15 * f)
            when 'kosten_telecom' then round(population * 3 * f)
            when 'kosten_overig' then round(population * 4 * f)
            when 'kosten_informatiebeveiliging' then round(population * 5 * f)
            when 'fte_werkplekbeheer' then case when municipality_code = 'GM0153' and edition = 2021 then null
                else round(population * 0.0002 * f, 1) end
            when 'fte_applicatiebeheer' then round(population * 0.0002 * f, 1)
            when 'fte_functioneel_beheer' then round(population * 0.0003 * f, 1)
            when 'fte_informatiemanagement' then round(population * 0.0001 * f, 1)
            when 'fte_informatiebeveiliging' then round(population * 0.00003 * f, 2)
            when 'fte_privacy' then round(population * 0.00002 * f, 2)
            when 'fte_data' then case when municipality_code = 'GM0088' and edition = 2021 then null
                else round(population * 0.00002 * f, 2) end
            when 'fte_ontwikkeling' then round(population * 0.00005 * f, 1)
            when 'fte_inhuur' then round(population * 0.0001 * f, 1)
            when 'aantal_applicaties' then round(population * 0.004 / f) + 150
            when 'pct_plaatsonafhankelijk' then least(100, round(60 * f))
            when 'aantal_datalekken' then round(population * 0.0001 * f)
            when 'tevredenheid_ict' then round(5 + 2 * f, 1)
        end as value
    from base
)
select
    edition,
    municipality_code,
    question_code,
    cast(value as double) as value,
    cast(value as varchar) as raw_value,
    source_file,
    source_row
from val;
