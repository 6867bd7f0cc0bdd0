"""The ``published-figures`` scenario: the figures of the source articles, pinned exactly.

Every number below is either published (../shared/domain/reference/headline_figures.csv) or a
documented split of a published total. The files generated with this scenario add up to the
headline figures when their valid rows are summed:

* Kendari (74.71) workforce 2025 as of 2025-06-08: PU 88,357 · BPU 36,140 · JAKON 16,443 =
  140,940; participation export 2025-06 with exactly 49,397 distinct people AKTIF (35.05%).
* Kendari rosters of six OPDs valid for 2025-06 with 1,599 distinct workers; the five OPDs of
  the 2025 budget hold 1,427 of them (the sixth, Disnaker, is not in the 2025 budget).
* Kendari APBD 2025: 5 OPDs, 1,427 workers, Rp256,147,284; APBD 2026: 12 OPDs, 3,083 workers,
  Rp553,127,196 (Rp179,412 per worker per year). Each OPD's total is split JKK:JKM = 4:5
  (0.24% : 0.30%) into accounts 5.1.02.02.02.0006 and .0007. The ``jumlah_pekerja`` of both
  account lines, and of the OPD's JUMLAH row, is the OPD's worker count (not a sum of lines).
* Wakatobi (74.07) claims exports 2023-01 … 2024-12 with 31 claims, all DIBAYAR by 2024-12:
  27 JKM × Rp42,000,000 = Rp1,134,000,000 and 4 JKK claims of nelayan (BPU, declared income
  Rp1,000,000) totalling Rp70,000,000: three medical-care claims (pengobatan, no ceiling) and one
  STMB of 6 × Rp1,000,000. DOMAIN.md derives the Rp70 juta as a single JKK death
  (48 × 1 jt + 12 + 10 jt), but 27 + 1 = 28 ≠ 31 claims; four non-death JKK claims are the
  reading that keeps both the count and the amounts.
* Baubau (74.72) pekerja rentan roster (PKS May 2025 – May 2026) with 992 workers, delivered in
  2025-05 as two files (nelayan, other categories), all enrolled as BPU under the programme's NPP.
  Baubau's non-ASN rosters hold 3,240 workers, 3,046 of them enrolled (> 3,000).

Defects in this scenario: the files that carry a headline figure receive row-level defects only
as EXTRA rows (a defective copy of a valid row inserted after it, or an exact duplicate), so the
valid rows still add up exactly; budgets and workforce files of Kendari receive none; whole-file
defects (wrong period folder, corrected re-delivery) are placed only on other files.
"""

from __future__ import annotations

import datetime as dt

PUBLISHED = "published-figures"
SCENARIOS = (PUBLISHED,)

KENDARI = "74.71"
BAUBAU = "74.72"
WAKATOBI = "74.07"

KENDARI_WORKFORCE_2025 = (88_357, 36_140, 16_443)
KENDARI_WORKFORCE_DATE = dt.date(2025, 6, 8)
KENDARI_ACTIVE_2025_06 = 49_397
# six OPDs with rosters for 2025-06 (1,599 workers); the first five are the 2025 budget (1,427)
KENDARI_ROSTERS_2025_06 = {"KDI-01": 412, "KDI-02": 236, "KDI-03": 398, "KDI-09": 221, "KDI-15": 160, "KDI-04": 172}
KENDARI_BUDGET_2025_OPDS = ("KDI-01", "KDI-02", "KDI-03", "KDI-09", "KDI-15")
KENDARI_BUDGET_2025_TOTAL = 256_147_284
KENDARI_BUDGET_2026 = {
    "KDI-01": 452,
    "KDI-02": 251,
    "KDI-03": 431,
    "KDI-04": 180,
    "KDI-08": 318,
    "KDI-09": 240,
    "KDI-10": 402,
    "KDI-11": 96,
    "KDI-12": 88,
    "KDI-15": 205,
    "KDI-17": 247,
    "KDI-18": 173,
}
KENDARI_BUDGET_2026_PER_WORKER = 179_412

BAUBAU_RENTAN = 992
BAUBAU_RENTAN_START = "2025-05"
BAUBAU_ROSTERS = dict(
    zip(
        [f"BAU-{i:02d}" for i in range(1, 15)],
        [420, 260, 380, 140, 330, 450, 260, 170, 150, 120, 110, 250, 100, 100],
        strict=True,
    )
)
BAUBAU_ENROLLED = 3_046

WAKATOBI_CLAIMS_FIRST = "2023-01"
WAKATOBI_CLAIMS_LAST = "2024-12"
WAKATOBI_JKM_CLAIMS = 27
JKM_AMOUNT = 42_000_000
# (benefit, amount) of the four JKK claims; they sum to 70,000,000
WAKATOBI_JKK_CLAIMS = (
    ("pengobatan", 24_350_000),
    ("pengobatan", 17_900_000),
    ("stmb", 6_000_000),
    ("pengobatan", 21_750_000),
)


def split_exact(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` proportionally to ``weights`` into integers that sum exactly to it."""
    wsum = sum(weights)
    parts = [total * w // wsum for w in weights]
    parts[weights.index(max(weights))] += total - sum(parts)
    return parts


def jkk_jkm_split(amount: int) -> tuple[int, int]:
    """Split an OPD's yearly amount into JKK (0.24) and JKM (0.30) parts: 4:5, exact."""
    jkk = (amount * 4 + 4) // 9
    return jkk, amount - jkk
