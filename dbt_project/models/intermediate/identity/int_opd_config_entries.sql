-- grain: one row per region x entry of the config folder's opd_aliases.yaml (an alias, or an
-- NPP pair) with the OPD it means. An entry without kode_wilayah holds in every kabupaten/kota.
-- The OPD named (opd_target): a reference code (KDI-08), a reference name or abbreviation of
-- the region (Dinas Kesehatan, Dinkes), an unconfirmed code (X-1a2b3c4d: confirms that OPD), or
-- a new name (an OPD the reference lacks, confirmed under the code its name gives).

with

entries as (
    select * from {{ ref('stg_ucj__opd_aliases') }}
),

regions as (
    select kode_wilayah from {{ ref('stg_reference__regions') }}
    where region_level in ('kabupaten', 'kota')
),

opds as (
    select * from {{ ref('stg_reference__opds') }}
),

per_region as (
    select
        coalesce(entries.kode_wilayah, regions.kode_wilayah) as kode_wilayah,
        entries.kode_wilayah is not null as is_region_entry,
        entries.entry_kind,
        entries.entry_name,
        entries.name_key,
        entries.opd_target,
        entries.opd_target_key
    from entries
    inner join regions
        on entries.kode_wilayah is null
        or entries.kode_wilayah = regions.kode_wilayah
),

resolved as (
    select distinct on (per_region.kode_wilayah, per_region.entry_kind, per_region.name_key)
        per_region.kode_wilayah,
        per_region.entry_kind,
        per_region.entry_name,
        per_region.name_key,
        per_region.opd_target,
        coalesce(
            by_code.opd_code,
            by_name.opd_code,
            case when per_region.opd_target ~* '^X-[0-9a-f]{8}$' then lower(per_region.opd_target) end,
            {{ unconfirmed_opd_code('per_region.kode_wilayah', 'per_region.opd_target_key') }}
        ) as opd_code,
        coalesce(by_code.opd_code, by_name.opd_code) is not null as is_reference_opd,
        case
            when coalesce(by_code.opd_code, by_name.opd_code) is null
                and per_region.opd_target !~* '^X-[0-9a-f]{8}$'
                then per_region.opd_target
        end as new_opd_name
    from per_region
    left join opds as by_code
        on upper(per_region.opd_target) = upper(by_code.opd_code)
        and per_region.kode_wilayah = by_code.kode_wilayah
    left join opds as by_name
        on per_region.opd_target_key in (by_name.opd_name_key, by_name.opd_abbreviation_key)
        and per_region.kode_wilayah = by_name.kode_wilayah
    -- an entry of the region wins over one of every region; a code over a name
    order by
        per_region.kode_wilayah, per_region.entry_kind, per_region.name_key,
        per_region.is_region_entry desc, by_code.opd_code nulls last, by_name.opd_code
),

final as (
    select
        kode_wilayah,
        entry_kind,
        entry_name,
        name_key,
        opd_target,
        opd_code,
        new_opd_name,
        is_reference_opd
    from resolved
    -- a reference code of another region does not hold here
    where not (opd_target ~* '^[A-Z]{3}-[0-9A-Z]{2}$' and not is_reference_opd)
)

select * from final
