-- The province's budget figures are the sums of its Pemda's (issue 20): per fiscal year, every
-- additive column of the province row of fct_budget_totals_yearly equals the sum of the Pemda
-- rows, and those equal the OPD rows of fct_budget_yearly. Rows returned are the differences.

{% set columns = [
    'budgeted_idr', 'budgeted_workers', 'required_idr', 'budgeted_with_roster_idr',
    'budgeted_without_roster_idr', 'shortfall_idr', 'surplus_idr', 'billed_idr', 'paid_idr',
    'opds_with_budget', 'opds_without_roster', 'regions_with_budget', 'regions_expected',
] %}

with

totals as (
    select * from {{ ref('fct_budget_totals_yearly') }}
),

province as (
    select * from totals
    where is_total
),

regions_summed as (
    select
        fiscal_year,
        {% for column in columns %}sum({{ column }}) as {{ column }}{% if not loop.last %},
        {% endif %}{% endfor %}
    from totals
    where not is_total
    group by fiscal_year
),

opds_summed as (
    select
        fiscal_year,
        sum(budgeted_idr) as budgeted_idr,
        coalesce(sum(required_idr), 0) as required_idr,
        coalesce(sum(shortfall_idr), 0) as shortfall_idr,
        coalesce(sum(surplus_idr), 0) as surplus_idr,
        sum(paid_idr) as paid_idr
    from {{ ref('fct_budget_yearly') }}
    group by fiscal_year
),

compared as (
    {% for column in columns %}
    select
        '{{ column }}' as column_name,
        coalesce(province.fiscal_year, regions_summed.fiscal_year) as fiscal_year,
        province.{{ column }}::numeric as province_value,
        regions_summed.{{ column }}::numeric as sum_of_regions
    from province
    full outer join regions_summed on province.fiscal_year = regions_summed.fiscal_year
    where province.{{ column }} is distinct from regions_summed.{{ column }}
    union all
    {% endfor %}
    {% for column in ['budgeted_idr', 'required_idr', 'shortfall_idr', 'surplus_idr', 'paid_idr'] %}
    select
        '{{ column }} (OPD rows)' as column_name,
        coalesce(province.fiscal_year, opds_summed.fiscal_year) as fiscal_year,
        province.{{ column }}::numeric as province_value,
        opds_summed.{{ column }}::numeric as sum_of_regions
    from province
    full outer join opds_summed on province.fiscal_year = opds_summed.fiscal_year
    where province.{{ column }} is distinct from opds_summed.{{ column }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from compared
