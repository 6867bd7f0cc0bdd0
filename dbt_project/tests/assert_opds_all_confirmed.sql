{{ config(severity='warn') }}
-- Every OPD the data names is confirmed: an OPD the reference lacks still counts in the marts
-- (unconfirmed, is_confirmed = false), and `ucj status` and the report list it with how to
-- confirm or merge it (an alias line in the config folder's opd_aliases.yaml). Warn only.

select
    opd_code,
    kode_wilayah,
    opd_name,
    seen_in
from {{ ref('int_opds') }}
where not is_confirmed
