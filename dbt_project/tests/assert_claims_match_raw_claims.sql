-- Reconciliation: fct_claims holds one row per distinct claim number of the current claims
-- files, per region, and each claim's amount is the one of its newest export.

with

raw_claims as (
    select distinct on (raw_rows.nomor_klaim)
        raw_rows.nomor_klaim,
        raw_rows.kode_wilayah,
        raw_rows.nominal
    from {{ source('raw', 'claims') }} as raw_rows
    inner join {{ source('audit', 'files') }} as files
        on raw_rows.file_id = files.file_id
        and files.is_current
        and files.status = 'loaded'
    inner join {{ ref('stg_reference__regions') }} as regions
        on raw_rows.kode_wilayah = regions.kode_wilayah
        and regions.region_level in ('kabupaten', 'kota')
    where raw_rows.nomor_klaim is not null
    order by raw_rows.nomor_klaim, {{ raw_period_month(source('raw', 'claims'), 'raw_rows') }} desc,
        raw_rows.nominal desc
),

mart as (
    select * from {{ ref('fct_claims') }}
)

select
    coalesce(mart.claim_number, raw_claims.nomor_klaim) as claim_number,
    mart.kode_wilayah as mart_region,
    raw_claims.kode_wilayah as raw_region,
    mart.amount_idr as mart_amount,
    raw_claims.nominal as raw_amount
from mart
full outer join raw_claims on mart.claim_number = raw_claims.nomor_klaim
where mart.claim_number is null
    or raw_claims.nomor_klaim is null
    or mart.kode_wilayah <> raw_claims.kode_wilayah
    or mart.amount_idr is distinct from raw_claims.nominal
