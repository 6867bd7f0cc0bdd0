-- grain: one row per person and region: their status in the region's newest participation
-- export that lists them (the input of the SCD2 snapshot snp_participant_status).
-- Pseudonymised: participant_key, never the NIK.

with

participation as (
    select * from {{ ref('int_participation_monthly') }}
),

latest as (
    select distinct on (kode_wilayah, person_id)
        participant_key,
        kode_wilayah,
        segment,
        participation_status,
        billed_opd_code,
        is_active,
        period_month as status_month
    from participation
    order by
        kode_wilayah, person_id, period_month desc, is_active desc,
        array_position(array['PU', 'JAKON', 'BPU'], segment), npp
)

select * from latest
