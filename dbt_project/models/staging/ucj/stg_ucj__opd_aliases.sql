-- grain: one row per alias or NPP pair of the deployment config folder (opd_aliases.yaml).
-- name_key: the alias normalised as OPD texts are (normalize_name), or the NPP's digits.

with

source as (
    select * from {{ source('audit', 'opd_aliases') }}
),

renamed as (
    select
        kind as entry_kind,
        nullif(trim(kode_wilayah), '') as kode_wilayah,
        trim(name) as entry_name,
        case
            when kind = 'npp' then regexp_replace(name, '[^0-9A-Za-z]', '', 'g')
            else {{ normalize_name('name') }}
        end as name_key,
        trim(opd) as opd_target,
        {{ normalize_name('opd') }} as opd_target_key,
        config_file
    from source
)

select * from renamed
