-- grain: one row per roster line of a current roster file, with the OPD it belongs to.
-- A roster is what an OPD delivers: a sheet (a file, for a CSV) belongs to the OPD its title
-- block, sheet name or file name gives (audit.file_sheets) when at least half of its lines name
-- that OPD, else to the OPD that 80 % or more of its lines name; its lines are on that OPD's
-- roster. A line of such a sheet whose own OPD text names another OPD is a stray line
-- (is_stray_row): reported, and counted with the sheet's OPD, never made another OPD's roster.
-- A sheet without an OPD of its own (a Pemda-wide list with an OPD column) puts each line with
-- the OPD of its text. Texts are matched in int_opd_texts_matched_to_opds (unknown OPDs get an
-- unconfirmed code, nothing is dropped); a pekerja rentan line whose text names no OPD belongs
-- to the region's rentan programme (the `<PFX>-PR` OPD, the PKS employer account).

with

rosters as (
    select * from {{ ref('stg_ucj__rosters') }}
),

matched_texts as (
    select * from {{ ref('int_opd_texts_matched_to_opds') }}
),

sheets as (
    select * from {{ ref('stg_ucj__file_sheets') }}
    where source = 'rosters'
),

rentan_programmes as (
    select
        kode_wilayah,
        min(opd_code) as opd_code
    from {{ ref('stg_reference__opds') }}
    where opd_code like '%-PR'
    group by kode_wilayah
),

lines as (
    select
        rosters.*,
        case
            when rosters.opd_key = '' and rosters.is_pekerja_rentan then rentan_programmes.opd_code
            else matched_texts.opd_code
        end as row_opd_code
    from rosters
    left join matched_texts
        on rosters.kode_wilayah = matched_texts.kode_wilayah
        and rosters.opd_key = matched_texts.opd_key
    left join rentan_programmes
        on rosters.kode_wilayah = rentan_programmes.kode_wilayah
),

sheet_titles as (
    select distinct on (sheets.file_id, coalesce(sheets.sheet, ''))
        sheets.file_id,
        coalesce(sheets.sheet, '') as sheet_name,
        matched_texts.opd_code as title_opd_code
    from sheets
    inner join matched_texts
        on sheets.kode_wilayah = matched_texts.kode_wilayah
        and sheets.opd_key = matched_texts.opd_key
    order by sheets.file_id, coalesce(sheets.sheet, ''), sheets.sheet_index
),

sheet_shares as (
    select
        file_id,
        coalesce(sheet, '') as sheet_name,
        row_opd_code,
        count(*)::numeric / sum(count(*)) over (partition by file_id, coalesce(sheet, '')) as line_share
    from lines
    where row_opd_code is not null
    group by 1, 2, 3
),

sheet_opds as (
    select
        sheet_shares.file_id,
        sheet_shares.sheet_name,
        coalesce(
            max(sheet_titles.title_opd_code) filter (
                where sheet_shares.row_opd_code = sheet_titles.title_opd_code and sheet_shares.line_share >= 0.5
            ),
            max(sheet_shares.row_opd_code) filter (where sheet_shares.line_share >= 0.8)
        ) as sheet_opd_code
    from sheet_shares
    left join sheet_titles
        on sheet_shares.file_id = sheet_titles.file_id
        and sheet_shares.sheet_name = sheet_titles.sheet_name
    group by 1, 2
),

matched as (
    select
        lines.*,
        coalesce(sheet_opds.sheet_opd_code, lines.row_opd_code) as opd_code,
        coalesce(sheet_opds.sheet_opd_code <> lines.row_opd_code, false) as is_stray_row
    from lines
    left join sheet_opds
        on lines.file_id = sheet_opds.file_id
        and coalesce(lines.sheet, '') = sheet_opds.sheet_name
)

select * from matched
