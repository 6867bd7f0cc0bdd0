{#
    Whether a NIK is an active BPJS participant in a region and month: a probe on the index
    (person_id, period_month, kode_wilayah) of int_participation_monthly, one lookup per row
    whatever the planner estimates (issue 17: an anti-join on three columns against a CTE of
    active NIKs was estimated at 1 row and planned as a nested loop over tens of thousands).
    A line with a NIK has person_id = its NIK, so the probe on person_id finds it.
    Use as `exists(...)` / `not exists(...)`: {{ active_participant_probe('r.nik', 'r.period_month', 'r.kode_wilayah') }}
#}
{% macro active_participant_probe(nik, period_month, kode_wilayah) %}
    select 1
    from {{ ref('int_participation_monthly') }} as active
    where active.person_id = {{ nik }}
        and active.period_month = {{ period_month }}
        and active.kode_wilayah = {{ kode_wilayah }}
        and active.nik = {{ nik }}
        and active.is_active
{% endmacro %}
