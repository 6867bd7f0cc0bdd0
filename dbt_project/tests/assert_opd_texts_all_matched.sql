{{ config(severity='warn') }}
-- Every OPD named in a roster or budget line is matched to an OPD of the reference (an
-- unmatched text drops its workers or its pagu from the OPD marts). Warn: a new OPD needs a
-- row in seeds/opd.csv.

with

roster_texts as (
    select distinct
        kode_wilayah,
        opd_text
    from {{ ref('int_roster_workers_matched_to_opds') }}
    where opd_code is null
),

budget_texts as (
    select distinct
        budgets.kode_wilayah,
        budgets.opd_text
    from {{ ref('stg_ucj__budgets') }} as budgets
    left join {{ ref('int_opd_texts_matched_to_opds') }} as matched
        on budgets.kode_wilayah = matched.kode_wilayah
        and budgets.opd_key = matched.opd_key
    where matched.opd_code is null
)

select 'roster' as source, * from roster_texts
union all
select 'budget' as source, * from budget_texts
