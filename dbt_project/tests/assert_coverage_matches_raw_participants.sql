-- Reconciliation: for every region and month, the ALL row of fct_coverage_monthly counts
-- exactly the distinct people (NIK, else KPJ) listed AKTIF in the raw rows of the current
-- participation files of that month. Returns the months that disagree.
-- Whole history on purpose (it catches a correction to a month outside the nightly window), so it
-- reads every raw row (27 s at province scale): not part of the nightly build. It runs when the
-- var full_checks is true: weekly in the ucj_full_checks DAG, or by hand with
--     ucj dbt test --select tag:full_checks --vars '{full_checks: true}'
{{ config(enabled=var('full_checks', false), tags=['full_checks']) }}

with

raw_active as (
    select
        raw_rows.kode_wilayah,
        {{ raw_period_month(source('raw', 'participants'), 'raw_rows') }} as period_month,
        count(distinct coalesce(raw_rows.nik, 'KPJ:' || raw_rows.kpj)) as active_participants
    from {{ source('raw', 'participants') }} as raw_rows
    inner join {{ source('audit', 'files') }} as files
        on raw_rows.file_id = files.file_id
        and files.is_current
        and files.status = 'loaded'
    inner join {{ ref('stg_reference__regions') }} as regions
        on raw_rows.kode_wilayah = regions.kode_wilayah
        and regions.region_level in ('kabupaten', 'kota')
    where raw_rows.status_kepesertaan = 'AKTIF'
    group by 1, 2
),

mart as (
    select * from {{ ref('fct_coverage_monthly') }}
    where segment = 'ALL'
)

select
    coalesce(mart.kode_wilayah, raw_active.kode_wilayah) as kode_wilayah,
    coalesce(mart.period_month, raw_active.period_month) as period_month,
    mart.active_participants as mart_active,
    raw_active.active_participants as raw_active
from mart
full outer join raw_active
    on mart.kode_wilayah = raw_active.kode_wilayah
    and mart.period_month = raw_active.period_month
where mart.active_participants is distinct from raw_active.active_participants
    and coalesce(raw_active.active_participants, 0) + coalesce(mart.active_participants, 0) > 0
