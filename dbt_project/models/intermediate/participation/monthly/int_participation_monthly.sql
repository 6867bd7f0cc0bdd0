{{
    config(
        meta={'window_source': 'int_participant_files', 'opd_attribution': true, 'window_months': 'changed'},
        indexes=[
            {'columns': ['kode_wilayah', 'period_month']},
            {'columns': ['person_id', 'period_month', 'kode_wilayah']},
            {'columns': ['period_month']},
        ],
    )
}}
-- grain: one row per region x month x person x employer account (NPP) in that month's
-- participation export. Incremental by month: an incremental run rebuilds the months of the
-- lookback (var('lookback_months') before the newest export onwards) whose inputs changed: their
-- files, the person a KPJ resolves to, the OPD of an NPP or employer name
-- (macros/participation_window.sql); the other months of the lookback would come out the same.
-- A line listed twice in an export (same person, same employer) counts once.
-- The OPD billed: by the line's NPP when the NPP is known (config folder, reference, learned:
-- int_npp_opd_pairs), else by its employer name (int_opd_texts_matched_to_opds); billed_opd_via
-- says which. All months are rebuilt when the OPD attribution changed (an alias added).
-- The index on (person_id, period_month, kode_wilayah) serves the EXISTS / NOT EXISTS probes of
-- int_participants_lapsed_monthly, fct_rentan_coverage_monthly and fct_opd_enrollment_monthly
-- (issue 17: plans that do not depend on the planner's row estimates).
-- The window's lines are read by file: the files of the ledger int_participant_files with rows in
-- the window's months (macros/participant_files.sql), so a nightly build reads the window's lines
-- through the raw table's key, not every line of history; a full build reads them all.
-- depends_on: {{ ref('int_opd_attribution_fingerprint') }}
-- depends_on: {{ ref('int_participant_keys') }}  (the window's KPJ inputs: macros/participation_window.sql)

with

window_files as (
    select distinct ledger.file_id
    from {{ ref('int_participant_files') }} as ledger
    where {{ incremental_months_filter() }}
),

participants as (
    select * from {{ participant_lines_of('select window_files.file_id from window_files') }} as lines
    where {{ incremental_months_filter() }}
),

kpjs as (
    select * from {{ ref('int_kpjs_resolved_to_persons') }}
),

npp_pairs as (
    select * from {{ ref('int_npp_opd_pairs') }}
),

employer_names as (
    select * from {{ ref('int_opd_texts_matched_to_opds') }}
),

identified as (
    select
        participants.*,
        coalesce(participants.nik, kpjs.person_id, 'KPJ:' || participants.kpj) as resolved_person_id,
        coalesce(npp_pairs.opd_code, employer_names.opd_code) as billed_opd_code,
        case
            when npp_pairs.opd_code is not null then 'npp'
            when employer_names.opd_code is not null then 'employer_name'
        end as billed_opd_via
    from participants
    left join kpjs on participants.kpj = kpjs.kpj
    left join npp_pairs
        on participants.npp_key = npp_pairs.npp
        and participants.kode_wilayah = npp_pairs.kode_wilayah
    left join employer_names
        on participants.employer_key = employer_names.opd_key
        and participants.kode_wilayah = employer_names.kode_wilayah
        and participants.employer_key <> ''
),

per_account as (
    select
        kode_wilayah,
        period_month,
        resolved_person_id as person_id,
        coalesce(npp, '') as npp,
        max(billed_opd_code) as billed_opd_code,
        max(billed_opd_via) as billed_opd_via,
        max(employer_name) as employer_name,
        max(nik) as nik,
        max(kpj) as kpj,
        -- the segment of the active line, PU before JAKON before BPU when they differ
        (
            array_agg(
                segment
                order by is_active desc, array_position(array['PU', 'JAKON', 'BPU'], segment), file_id, source_row
            )
        )[1] as segment,
        case when bool_or(is_active) then 'AKTIF' else 'NON AKTIF' end as participation_status,
        max(wage_idr) as wage_idr,
        max(jkk_contribution_idr) filter (where is_active) as billed_jkk_idr,
        max(jkm_contribution_idr) filter (where is_active) as billed_jkm_idr,
        max(jkk_contribution_idr) filter (where is_active and is_paid) as paid_jkk_idr,
        max(jkm_contribution_idr) filter (where is_active and is_paid) as paid_jkm_idr,
        bool_or(is_active) as is_active,
        bool_or(is_active and is_paid) as is_paid,
        min(joined_date) as joined_date,
        min(paid_date) as paid_date,
        min(file_id) as file_id
    from identified
    group by 1, 2, 3, 4
),

final as (
    select
        kode_wilayah,
        period_month,
        person_id,
        {{ participant_key('person_id') }} as participant_key,
        npp,
        billed_opd_code,
        billed_opd_via,
        employer_name,
        nik,
        kpj,
        segment,
        participation_status,
        wage_idr,
        coalesce(billed_jkk_idr, 0) as billed_jkk_idr,
        coalesce(billed_jkm_idr, 0) as billed_jkm_idr,
        coalesce(paid_jkk_idr, 0) as paid_jkk_idr,
        coalesce(paid_jkm_idr, 0) as paid_jkm_idr,
        is_active,
        is_paid,
        joined_date,
        paid_date,
        file_id
    from per_account
)

select * from final
