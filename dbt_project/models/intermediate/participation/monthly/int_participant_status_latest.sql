{{
    config(
        unique_key=['kode_wilayah', 'participant_key'],
        meta={
            'window_source': 'int_participation_monthly',
            'window_month_column': 'status_month',
            'opd_attribution': true,
        },
    )
}}
-- grain: one row per person and region: their status in the region's newest participation
-- export that lists them (the input of the SCD2 snapshot snp_participant_status).
-- Pseudonymised: participant_key, never the NIK.
-- Incremental by month, with int_participation_monthly's window: a person the window's months
-- list takes their status from the newest of them (no older month is newer); the others keep
-- their row, except those whose status came from the window's months and whom the window no
-- longer lists (a corrected export): they fall back to their newest month before the window,
-- and leave the table when no month lists them any more. The strategy deletes the rows with a
-- status_month in the window, then replaces the rows of the people built here.
-- depends_on: {{ ref('int_opd_attribution_fingerprint') }}

with

participation as (
    select * from {{ ref('int_participation_monthly') }}
    where {{ incremental_months_filter() }}
),

{% if is_incremental() %}
    no_longer_listed as (
        select
            previous.kode_wilayah,
            previous.participant_key
        from {{ this }} as previous
        where {{ incremental_months_filter('previous.status_month', region_column='previous.kode_wilayah') }}
            and not exists (
                select 1 from participation
                where participation.kode_wilayah = previous.kode_wilayah
                    and participation.participant_key = previous.participant_key
            )
    ),

    -- their months before the window; the exists is a one-time filter: on a night without a
    -- correction no row of the history is read
    fallen_back as (
        select older.*
        from {{ ref('int_participation_monthly') }} as older
        inner join no_longer_listed
            on older.kode_wilayah = no_longer_listed.kode_wilayah
            and older.participant_key = no_longer_listed.participant_key
        where exists (select any_person.participant_key from no_longer_listed as any_person)
    ),

    candidates as (
        select * from participation
        union all
        select * from fallen_back
    ),
{% else %}
    candidates as (
        select * from participation
    ),
{% endif %}

latest as (
    select distinct on (kode_wilayah, person_id)
        participant_key,
        kode_wilayah,
        segment,
        participation_status,
        billed_opd_code,
        is_active,
        period_month as status_month
    from candidates
    order by
        kode_wilayah, person_id, period_month desc, is_active desc,
        array_position(array['PU', 'JAKON', 'BPU'], segment), npp
)

select * from latest
