"""Indonesian month names (``BULAN[0]`` is Januari): the one table the report and the sample-data
generator both write months with. Reading months is ``ucj.ingest.values.MONTHS`` (spellings)."""

from __future__ import annotations

BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
