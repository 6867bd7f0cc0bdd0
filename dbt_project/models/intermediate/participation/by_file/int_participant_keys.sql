{{
    config(
        incremental_strategy='delete+insert',
        unique_key='key_hash',
        pre_hook=["{{ participant_files_prepare() }}"],
        post_hook=["{{ participant_files_record() }}"],
        indexes=[
            {'columns': ['key_hash'], 'unique': true},
            {'columns': ['kpj']},
        ],
    )
}}
-- grain: one row per region x employer account (NPP key) x employer name x KPJ x NIK seen in
-- the current participation exports, over all history: its lines and the first month it is
-- listed. What the identity and OPD attribution models need of every line (people per NPP or
-- employer name, KPJ-NIK pairs and how often they are listed, the first month of a person) in
-- ~1/15 of the rows. Incremental by file (macros/participant_files.sql): the lines of new files
-- are added to the rows (lines summed, first month the earlier); when a file already counted is
-- no longer current, the table is built again from every current file.
-- depends_on: {{ ref('int_participant_files') }}

with

lines as (
    select * from {{ participant_lines_of(participant_files_new()) }} as lines
),

new_keys as (
    select
        md5(
            concat_ws(
                chr(1), kode_wilayah, coalesce(npp_key, chr(2)), employer_key, coalesce(employer_name, chr(2)),
                coalesce(kpj, chr(2)), coalesce(nik, chr(2))
            )
        ) as key_hash,
        kode_wilayah,
        npp_key,
        employer_key,
        employer_name,
        kpj,
        nik,
        count(*) as lines,
        min(period_month) as first_month
    from lines
    group by 2, 3, 4, 5, 6, 7
),

final as (
    select
        new_keys.key_hash,
        new_keys.kode_wilayah,
        new_keys.npp_key,
        new_keys.employer_key,
        new_keys.employer_name,
        new_keys.kpj,
        new_keys.nik,
        coalesce(new_keys.nik, 'KPJ:' || new_keys.kpj) as person_id,
        {% if is_incremental() -%}
            new_keys.lines + coalesce(kept.lines, 0) as lines,
            least(new_keys.first_month, kept.first_month) as first_month
        {%- else -%}
            new_keys.lines,
            new_keys.first_month
        {%- endif %}
    from new_keys
    {% if is_incremental() -%}
        left join {{ this }} as kept on new_keys.key_hash = kept.key_hash
    {%- endif %}
)

select * from final
