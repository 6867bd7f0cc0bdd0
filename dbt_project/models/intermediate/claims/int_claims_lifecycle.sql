-- grain: one row per claim (nomor_klaim). A claim is listed in every monthly export while it
-- is open; its state is the one of the newest export that lists it (at equal exports, the
-- furthest step of DILAPORKAN -> BERKAS_LENGKAP -> VERIFIKASI -> DISETUJUI -> DIBAYAR, with
-- DITOLAK and KEDALUWARSA terminal). The claimant's membership context (segment, wage,
-- joining date) comes from the participation exports, for the benefit rules.

with

claim_lines as (
    select * from {{ ref('stg_ucj__claims') }}
    where claim_number is not null
),

kpjs as (
    select * from {{ ref('int_kpjs_resolved_to_persons') }}
),

participation as (
    select * from {{ ref('int_participation_monthly') }}
),

ranked as (
    select
        claim_lines.*,
        array_position(
            array['DILAPORKAN', 'BERKAS_LENGKAP', 'VERIFIKASI', 'DISETUJUI', 'DIBAYAR', 'DITOLAK', 'KEDALUWARSA'],
            claim_lines.claim_status
        ) as status_step
    from claim_lines
),

latest as (
    select distinct on (claim_number)
        claim_number,
        kode_wilayah,
        kpj,
        nik,
        program,
        benefit_type,
        claim_status,
        amount_idr,
        event_date,
        submitted_date,
        paid_date
    from ranked
    order by claim_number, export_month desc, status_step desc nulls last, file_id desc, source_row
),

history as (
    select
        claim_number,
        min(export_month) as first_export_month,
        max(export_month) as last_export_month,
        count(distinct export_month) as exports_count,
        min(export_month) filter (where claim_status = 'DIBAYAR') as paid_export_month,
        max(paid_date) as any_paid_date,
        min(submitted_date) as any_submitted_date
    from ranked
    group by claim_number
),

identified as (
    select
        latest.*,
        coalesce(latest.nik, kpjs.person_id, 'KPJ:' || latest.kpj) as person_id
    from latest
    left join kpjs on latest.kpj = kpjs.kpj
),

membership as (
    select
        identified.claim_number,
        min(participation.joined_date) as joined_date,
        (array_agg(
            participation.segment order by
                participation.period_month > {{ month_of('identified.event_date') }},
                abs({{ months_between('participation.period_month', month_of('identified.event_date')) }}),
                participation.is_active desc, participation.npp
        ))[1] as segment,
        (array_agg(
            participation.wage_idr order by
                participation.period_month > {{ month_of('identified.event_date') }},
                abs({{ months_between('participation.period_month', month_of('identified.event_date')) }}),
                participation.is_active desc, participation.npp
        ))[1] as wage_idr
    from identified
    inner join participation on identified.person_id = participation.person_id
    group by identified.claim_number
),

final as (
    select
        identified.claim_number,
        identified.kode_wilayah,
        identified.person_id,
        {{ participant_key('identified.person_id') }} as participant_key,
        identified.program,
        identified.benefit_type,
        identified.claim_status,
        membership.segment,
        membership.wage_idr,
        identified.amount_idr,
        history.exports_count,
        identified.claim_status = 'DIBAYAR' as is_paid,
        identified.event_date,
        coalesce(identified.submitted_date, history.any_submitted_date) as submitted_date,
        case
            when identified.claim_status = 'DIBAYAR'
                then coalesce(identified.paid_date, history.any_paid_date, history.paid_export_month)
        end as paid_date,
        membership.joined_date,
        history.first_export_month,
        history.last_export_month
    from identified
    inner join history on identified.claim_number = history.claim_number
    left join membership on identified.claim_number = membership.claim_number
)

select * from final
