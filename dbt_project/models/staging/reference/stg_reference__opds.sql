with

source as (
    select * from {{ ref('opd') }}
),

renamed as (
    select
        opd_code::text as opd_code,
        kode_wilayah::text as kode_wilayah,
        npp::text as npp,
        opd_name::text as opd_name,
        singkatan::text as opd_abbreviation,
        jkk_risk_class::text as jkk_risk_class,
        {{ normalize_name('opd_name') }} as opd_name_key,
        {{ normalize_name('singkatan') }} as opd_abbreviation_key,
        is_synthetic::boolean as is_synthetic,
        coalesce(npp_verified::text, 'synthetic') = 'synthetic' as is_npp_synthetic
    from source
)

select * from renamed
