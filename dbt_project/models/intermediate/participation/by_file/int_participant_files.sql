{{
    config(
        incremental_strategy='append',
        pre_hook=["{{ delete_files_no_longer_current() }}"],
        indexes=[
            {'columns': ['file_id']},
            {'columns': ['period_month']},
            {'columns': ['kode_wilayah', 'npp_key']},
        ],
    )
}}
-- grain: one row per current participation file x month x employer account (NPP key) x
-- employer name (as written, and normalised): its lines. The ledger of the participation lines
-- (macros/participant_files.sql): the files and months the lines are in, and the whole-history
-- evidence the OPD attribution models count (lines, months, files per NPP or employer name)
-- without reading every line. Incremental by file: a file's lines never change once loaded (a
-- re-delivery or a reprocess is a new file_id), so an incremental run appends the rows of current
-- files not in the table yet and its pre-hook deletes the rows of files no longer current; the
-- table then holds exactly what a full refresh builds.

with

new_files as (
    select current_files.file_id
    from {{ ref('stg_ucj__current_files') }} as current_files
    where current_files.source = 'participants'
        {% if is_incremental() -%}
            and not exists (
                select 1 from {{ this }} as ledger
                where ledger.file_id = current_files.file_id
            )
        {%- endif %}
),

lines as (
    select * from {{ participant_lines_of('select new_files.file_id from new_files') }} as lines
),

final as (
    select
        file_id,
        kode_wilayah,
        period_month,
        npp_key,
        employer_key,
        employer_name,
        count(*) as lines
    from lines
    group by 1, 2, 3, 4, 5, 6
)

select * from final
