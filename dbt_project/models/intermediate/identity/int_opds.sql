-- grain: one row per OPD the marts report on: every OPD of the reference (seeds/opd.csv), and
-- every OPD the data names that the reference lacks (int_opd_texts_matched_to_opds): confirmed
-- when an alias of the config folder names it, else unconfirmed (is_confirmed = false) under
-- the stable code of its normalised name. An unconfirmed OPD is named by its most seen spelling.

with

opds as (
    select * from {{ ref('stg_reference__opds') }}
),

texts as (
    select * from {{ ref('int_opd_texts_matched_to_opds') }}
),

reference as (
    select
        opd_code,
        kode_wilayah,
        case when {{ var('reference_npps', true) }} then npp end as npp,
        opd_name,
        opd_abbreviation,
        jkk_risk_class,
        is_synthetic,
        true as is_reference,
        true as is_confirmed,
        is_npp_synthetic,
        null::text[] as seen_in
    from opds
),

discovered_texts as (
    select * from texts
    where opd_code not in (select opd_code from opds)
),

discovered_seen as (
    select
        discovered_texts.opd_code,
        array_agg(distinct seen.source order by seen.source) as seen_in
    from discovered_texts
    cross join lateral unnest(discovered_texts.seen_in) as seen (source)
    group by discovered_texts.opd_code
),

discovered as (
    select
        discovered_texts.opd_code,
        min(discovered_texts.kode_wilayah) as kode_wilayah,
        coalesce(
            min(discovered_texts.alias_opd_name),
            (
                array_agg(
                    discovered_texts.opd_text
                    order by
                        discovered_texts.roster_lines + discovered_texts.budget_lines
                        + discovered_texts.employer_lines desc,
                        discovered_texts.opd_text
                )
            )[1]
        ) as opd_name,
        bool_or(discovered_texts.is_confirmed) as is_confirmed
    from discovered_texts
    group by discovered_texts.opd_code
),

final as (
    select * from reference
    union all
    select
        discovered.opd_code,
        discovered.kode_wilayah,
        null::text as npp,
        discovered.opd_name,
        null::text as opd_abbreviation,
        'sangat_rendah' as jkk_risk_class,
        false as is_synthetic,
        false as is_reference,
        discovered.is_confirmed,
        false as is_npp_synthetic,
        discovered_seen.seen_in
    from discovered
    inner join discovered_seen on discovered.opd_code = discovered_seen.opd_code
)

select * from final
