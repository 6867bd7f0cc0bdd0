"""What a report shows, read from the marts (and, for data quality, from ``audit``).

One :class:`ReportData` per scope: a Pemda (``74.71``) or the province (``74``, every Pemda
in the marts together). Person-level data never enters a report: only the ``marts`` schema
(no NIK, no names) and counts from ``audit.files`` / ``audit.rejected_rows``.

Every figure is a mart's own value, never recomputed here: a Pemda's rows, or the province's
rows of the province marts (``fct_coverage_province_monthly``,
``fct_coverage_province_trajectory_yearly``, ``fct_budget_totals_yearly``: the Pemda that
reported, added up, the percentages computed from the sums).

The budget is that of the fiscal year of the newest data month (June 2025: APBD 2025), from
``marts.fct_budget_totals_yearly``: the Pemda's row, or the province's (the sum over the Pemda
that delivered a budget for that year, with those that did not named).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg

from ucj.ops.status import Freshness, ToConfirm, freshness, to_confirm
from ucj.reference import region_names

PROVINCE = "74"
SEGMENTS = ("PU", "BPU", "JAKON")


@dataclass(frozen=True)
class Scope:
    """A Pemda, or the province (``regions`` = every Pemda in the marts)."""

    code: str
    name: str
    regions: tuple[str, ...]

    @property
    def is_province(self) -> bool:
        return self.code == PROVINCE

    @property
    def slug(self) -> str:
        """File name stem: ``74.71`` -> ``74-71``; the province is ``provinsi-74``."""
        return f"provinsi-{self.code}" if self.is_province else self.code.replace(".", "-")


@dataclass
class ReportData:
    scope: Scope
    as_of_month: date | None  # newest month with a coverage figure
    today: date  # the day the report is about (late sources are judged on it)
    headline: dict[str, Any] = field(default_factory=dict)  # metric -> value as the marts hold it
    regions_reporting: int = 0  # Pemda with a coverage figure in as_of_month
    coverage_history: list[dict[str, Any]] = field(default_factory=list)  # month, coverage_pct, target_pct
    trajectory: list[dict[str, Any]] = field(default_factory=list)  # year, target_pct, projected_coverage_pct
    segments: list[dict[str, Any]] = field(default_factory=list)  # as_of_month, PU/BPU/JAKON/ALL
    regions: list[dict[str, Any]] = field(default_factory=list)  # each Pemda's newest month
    opd: list[dict[str, Any]] = field(default_factory=list)  # each OPD's newest month, lowest enrolment first
    budget_year: int | None = None
    budget_year_basis: str = ""  # why that year: "data" (the newest data month's) or "budget" (newest pagu)
    budget_totals: dict[str, Any] = field(default_factory=dict)  # fct_budget_totals_yearly's row of the scope
    budget: list[dict[str, Any]] = field(default_factory=list)  # per OPD, budget_year
    claims_monthly: list[dict[str, Any]] = field(default_factory=list)  # month x program
    claims_paid: list[dict[str, Any]] = field(default_factory=list)  # program, days_to_payment of paid claims
    quality: list[dict[str, Any]] = field(default_factory=list)  # per source: files and rows
    quarantined: list[dict[str, Any]] = field(default_factory=list)  # files moved to quarantine
    late: list[Freshness] = field(default_factory=list)  # sources late on `today`
    to_confirm: list[ToConfirm] = field(default_factory=list)  # OPDs and NPPs to confirm (issue 15)


def _rows(conn: psycopg.Connection, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cur = conn.execute(query, params)
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _one(conn: psycopg.Connection, query: str, params: dict[str, Any]) -> dict[str, Any]:
    rows = _rows(conn, query, params)
    return rows[0] if rows else {}


class NoMartsError(ValueError):
    """The warehouse has no marts yet (dbt never ran against it)."""


MARTS_READ = (
    "fct_coverage_monthly",
    "fct_coverage_trajectory_yearly",
    "fct_opd_enrollment_monthly",
    "fct_budget_yearly",
    "fct_budget_totals_yearly",
    "fct_coverage_province_monthly",
    "fct_coverage_province_trajectory_yearly",
    "fct_claims",
    "fct_claims_monthly",
    "dim_region",
    "dim_opd",
)


def require_marts(conn: psycopg.Connection) -> None:
    """Raise :class:`NoMartsError` naming the marts that are missing."""
    missing = [
        name for name in MARTS_READ if conn.execute("select to_regclass(%s)", (f"marts.{name}",)).fetchone()[0] is None
    ]
    if missing:
        raise NoMartsError(
            f"belum ada marts / no marts yet ({', '.join(missing)} missing): run the pipeline first (ucj run)"
        )


def report_regions(conn: psycopg.Connection) -> list[str]:
    """The Pemda that have anything in the marts (coverage, OPD enrolment, budget or claims)."""
    rows = conn.execute(
        """select kode_wilayah from marts.fct_coverage_monthly
           union select kode_wilayah from marts.fct_opd_enrollment_monthly
           union select kode_wilayah from marts.fct_budget_yearly
           union select kode_wilayah from marts.fct_claims_monthly
           order by 1"""
    ).fetchall()
    return [r[0] for r in rows]


def scope_of(conn: psycopg.Connection, region: str | None) -> Scope:
    """The scope of a report: ``region`` (a Kemendagri code) or, when ``None``, the province."""
    require_marts(conn)
    names = region_names()
    if region is None or region == PROVINCE:
        return Scope(PROVINCE, names.get(PROVINCE, "Sulawesi Tenggara"), tuple(report_regions(conn)))
    if region not in names:
        raise ValueError(f"unknown region code {region!r}: use a Kemendagri code such as 74.71")
    return Scope(region, names[region], (region,))


def load(conn: psycopg.Connection, scope: Scope, today: date) -> ReportData:
    """Everything the report of ``scope`` shows."""
    p: dict[str, Any] = {"regions": list(scope.regions), "province": scope.is_province}
    data = ReportData(scope, None, today)
    month = conn.execute(
        """select max(period_month) from marts.fct_coverage_monthly
           where kode_wilayah = any(%(regions)s::text[]) and segment = 'ALL'""",
        p,
    ).fetchone()[0]
    data.as_of_month = month
    p["month"] = month

    # Coverage, its history and the trajectory: the marts' rows of the scope, their percentages
    # as the marts hold them. A Pemda's rows of fct_coverage_monthly and
    # fct_coverage_trajectory_yearly, or the province's own tables (the Pemda that reported,
    # added up: fct_coverage_province_monthly, fct_coverage_province_trajectory_yearly).
    p["scope_code"] = scope.code
    if scope.is_province:
        coverage = "marts.fct_coverage_province_monthly where true"
        trajectory = "marts.fct_coverage_province_trajectory_yearly where true"
        regions_column = "regions_reporting"
    else:
        coverage = "marts.fct_coverage_monthly where kode_wilayah = %(scope_code)s"
        trajectory = "marts.fct_coverage_trajectory_yearly where kode_wilayah = %(scope_code)s"
        regions_column = "1"
    data.segments = _rows(
        conn,
        f"""select segment, {regions_column} as regions, workers_total, active_participants, uncovered_workers,
                  coverage_pct, target_pct, participants_to_target
           from {coverage} and period_month = %(month)s
           order by array_position(array['ALL', 'PU', 'BPU', 'JAKON'], segment)""",
        p,
    )
    overall = next((s for s in data.segments if s["segment"] == "ALL"), {})
    data.regions_reporting = overall.get("regions", 0)
    data.headline.update(
        coverage_pct=overall.get("coverage_pct"),
        active_participants=overall.get("active_participants"),
        workers_total=overall.get("workers_total"),
        uncovered_workers=overall.get("uncovered_workers"),
        target_pct=overall.get("target_pct"),
        participants_to_target=overall.get("participants_to_target"),
    )
    data.coverage_history = _rows(
        conn,
        f"""select period_month as month, coverage_pct, target_pct
           from {coverage} and segment = 'ALL'
           order by period_month""",
        p,
    )
    data.trajectory = _rows(
        conn,
        f"""select target_year as year, target_pct, projected_coverage_pct, participants_short_of_target
           from {trajectory}
           order by target_year""",
        p,
    )
    data.regions = _rows(
        conn,
        """select distinct on (c.kode_wilayah)
                  c.kode_wilayah, r.region_name, c.period_month, c.workers_total, c.active_participants,
                  c.coverage_pct, c.target_pct
           from marts.fct_coverage_monthly c
           left join marts.dim_region r using (kode_wilayah)
           where c.kode_wilayah = any(%(regions)s::text[]) and c.segment = 'ALL'
           order by c.kode_wilayah, c.period_month desc""",
        p,
    )

    # OPD enrolment: each OPD's newest month, the ones furthest behind first.
    data.opd = _rows(
        conn,
        """select * from (
               select distinct on (e.opd_code)
                      e.kode_wilayah, e.opd_code, e.opd_name, d.opd_abbreviation, e.period_month,
                      e.roster_workers, e.enrolled_active, e.not_enrolled, e.enrolled_not_on_roster,
                      e.enrollment_pct, coalesce(d.is_confirmed, true) as is_confirmed
               from marts.fct_opd_enrollment_monthly e
               left join marts.dim_opd d using (opd_code)
               where e.kode_wilayah = any(%(regions)s::text[])
               order by e.opd_code, e.period_month desc
           ) as newest
           order by enrollment_pct nulls first, not_enrolled desc, opd_code""",
        p,
    )
    data.headline.update(
        opd_count=len(data.opd),
        opd_roster_workers=sum(o["roster_workers"] or 0 for o in data.opd),
        opd_enrolled_active=sum(o["enrolled_active"] or 0 for o in data.opd),
        opd_not_enrolled=sum(o["not_enrolled"] or 0 for o in data.opd),
    )

    # Budget: the fiscal year of the newest data month (fiscal year = calendar year), else, without
    # coverage data, the newest fiscal year with a budget line. The figures are the mart's row of
    # the scope: a Pemda's, or the province's (the sum over its Pemda, is_total).
    if month is not None:
        data.budget_year, data.budget_year_basis = month.year, "data"
    else:
        data.budget_year = conn.execute(
            "select max(fiscal_year) from marts.fct_budget_yearly where kode_wilayah = any(%(regions)s::text[])", p
        ).fetchone()[0]
        data.budget_year_basis = "budget"
    p["year"] = data.budget_year
    data.budget = _rows(
        conn,
        """select b.kode_wilayah, b.opd_code, d.opd_name, d.opd_abbreviation, b.budgeted_idr, b.budgeted_workers,
                  b.roster_workers, b.required_idr, b.billed_idr, b.paid_idr, b.shortfall_idr, b.surplus_idr,
                  b.has_budget, b.has_roster, coalesce(d.is_confirmed, true) as is_confirmed
           from marts.fct_budget_yearly b
           left join marts.dim_opd d using (opd_code)
           where b.kode_wilayah = any(%(regions)s::text[]) and b.fiscal_year = %(year)s
           order by b.kode_wilayah, b.has_budget desc, b.opd_code""",
        p,
    )
    data.budget_totals = _one(
        conn,
        """select * from marts.fct_budget_totals_yearly
           where kode_wilayah = %(scope_code)s and fiscal_year = %(year)s""",
        p,
    )
    for key in (
        "budgeted_idr",
        "required_idr",
        "billed_idr",
        "paid_idr",
        "shortfall_idr",
        "surplus_idr",
        "budgeted_without_roster_idr",
    ):
        data.headline[key] = data.budget_totals.get(key)

    # Claims: paid amounts per month and programme; time to payment of every paid claim.
    data.claims_monthly = _rows(
        conn,
        """select period_month as month, program, sum(claims_count)::bigint as claims_count,
                  sum(paid_count)::bigint as paid_count, sum(paid_amount_idr) as paid_amount_idr
           from marts.fct_claims_monthly
           where kode_wilayah = any(%(regions)s::text[])
           group by period_month, program order by period_month, program""",
        p,
    )
    data.claims_paid = _rows(
        conn,
        """select program, days_to_payment, amount_idr from marts.fct_claims
           where kode_wilayah = any(%(regions)s::text[]) and is_paid
           order by program, days_to_payment""",
        p,
    )
    data.headline.update(
        _one(
            conn,
            """select count(*) as claims_count,
                      count(*) filter (where is_paid) as claims_paid_count,
                      coalesce(sum(amount_idr) filter (where is_paid), 0) as claims_paid_idr,
                      avg(days_to_payment) filter (where is_paid) as avg_days_to_payment
               from marts.fct_claims where kode_wilayah = any(%(regions)s::text[])""",
            p,
        )
    )

    # Data quality: files and rows received, rejected; files in quarantine; late sources.
    data.quality = _rows(
        conn,
        """select source,
                  count(*) as files,
                  count(*) filter (where status = 'loaded') as files_loaded,
                  count(*) filter (where status = 'quarantined') as files_quarantined,
                  count(*) filter (where status = 'duplicate') as files_duplicate,
                  coalesce(sum(rows_read), 0)::bigint as rows_read,
                  coalesce(sum(rows_loaded), 0)::bigint as rows_loaded,
                  coalesce(sum(rows_rejected), 0)::bigint as rows_rejected,
                  coalesce(sum(rows_warned), 0)::bigint as rows_warned
           from audit.files
           where kode_wilayah = any(%(regions)s::text[]) and (is_current or status <> 'loaded')
           group by source order by source""",
        p,
    )
    data.quarantined = _rows(
        conn,
        """select kode_wilayah, source, period, relative_path, error_code, rows_read
           from audit.files
           where kode_wilayah = any(%(regions)s::text[]) and status = 'quarantined'
           order by kode_wilayah, source, period, relative_path""",
        p,
    )
    data.late = [f for f in freshness(conn, today, regions=scope.regions) if f.kode_wilayah in scope.regions]
    data.late = [f for f in data.late if f.verdict == "late"]
    data.to_confirm = [t for t in to_confirm(conn) if t.kode_wilayah in scope.regions]
    data.headline.update(
        files_received=sum(q["files"] for q in data.quality),
        files_quarantined=sum(q["files_quarantined"] for q in data.quality),
        rows_read=sum(q["rows_read"] for q in data.quality),
        rows_rejected=sum(q["rows_rejected"] for q in data.quality),
        late_sources=len(data.late),
        opds_to_confirm=sum(1 for t in data.to_confirm if t.item_kind == "opd"),
    )
    return data
