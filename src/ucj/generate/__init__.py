"""Synthetic landing files for the warehouse: messy Pemda and BPJS files at three scales.

No real data can be shipped, so everything downstream is tried on data made here. Public API:

* ``generate(scale, seed, out, scenario=None, defect_rate=None) -> Path`` writes
  ``<out>/<source>/<kode_wilayah>/<period>/<file>`` for the five sources (rosters, participants,
  claims, budgets, workforce) and returns the path of ``<out>/manifest.json``;
* ``ucj.generate.cli.generate_command``: the ``ucj generate`` click command.

Modules: ``scales`` (sizes), ``scenarios`` (the published figures), ``people`` (names, NIK,
KPJ), ``world`` (one region's people, rosters and participation), ``participants``, ``rosters``,
``claims``, ``budgets`` (writers per source), ``defects`` (defect kinds, the manifest),
``writers`` (xlsx/csv), ``formats`` (Indonesian dates and Rupiah).

Defect kinds (see ``ucj.generate.defects`` for the full description and the manifest format):
``nik_excel_float``, ``nik_invalid``, ``duplicate_row``, ``missing_required``, ``invalid_date``,
``future_date``, ``negative_wage``, ``absurd_wage``, ``unknown_segment`` (row level) and
``wrong_period_folder``, ``corrected_redelivery`` (whole file). Corrected re-deliveries are
written to ``<out>/_redeliveries/<same relative path>``.
"""

from ucj.generate.core import generate
from ucj.generate.defects import KINDS

__all__ = ["generate", "KINDS"]
