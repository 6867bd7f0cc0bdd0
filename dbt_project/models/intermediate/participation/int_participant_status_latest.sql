{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['participant_key', 'kode_wilayah'],
        on_schema_change='append_new_columns',
        post_hook="{{ delete_status_rows_no_longer_listed() }}",
    )
}}
-- grain: one row per person and region: their status in the region's newest participation
-- export that lists them (the input of the SCD2 snapshot snp_participant_status).
-- Pseudonymised: participant_key, never the NIK.
-- Incremental over the months of int_participation_monthly's window: a person listed in a
-- rebuilt month has their newest listing among the rebuilt months (the window runs to the
-- newest month), so only those rows are read. A person whose stored newest month is in the
-- window but who is no longer listed there (a corrected export) falls back to their listings
-- before the window; with none left, the post-hook deletes their row.

with

participation as (
    select * from {{ ref('int_participation_monthly') }}
),

window_rows as (
    select * from participation
    where {{ incremental_months_filter('period_month', ref('int_participation_monthly')) }}
),

-- people whose stored status month is in the window and whom the window no longer lists
no_longer_listed as (
    {%- if is_incremental() %}
        select
            stored.kode_wilayah,
            stored.participant_key
        from {{ this }} as stored
        where {{ incremental_months_filter('status_month', ref('int_participation_monthly')) }}
            and not exists (
                select 1
                from window_rows
                where window_rows.kode_wilayah = stored.kode_wilayah
                    and window_rows.participant_key = stored.participant_key
            )
    {%- else %}
        select
            kode_wilayah,
            participant_key
        from window_rows
        where false
    {%- endif %}
),

before_window as (
    select * from participation
    where not ({{ incremental_months_filter('period_month', ref('int_participation_monthly')) }})
),

-- their listings before the window (none on a full build: the window is everything)
earlier_rows as (
    select before_window.*
    from before_window
    inner join no_longer_listed
        on before_window.kode_wilayah = no_longer_listed.kode_wilayah
        and before_window.participant_key = no_longer_listed.participant_key
),

scoped as (
    select * from window_rows
    union all
    select * from earlier_rows
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
    from scoped
    order by
        kode_wilayah, person_id, period_month desc, is_active desc,
        array_position(array['PU', 'JAKON', 'BPU'], segment), npp
)

select * from latest
