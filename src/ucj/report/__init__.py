"""The coverage report: HTML with charts, per Pemda and for the province, from the marts.

``ucj.report.build``: ``build_all`` writes the nightly folder (``UCJ_REPORTS_DIR``),
``write_report`` one self-contained file (``ucj report``). ``ucj.report.airflow``: the nightly
task body. ``ucj.report.web``: the app that serves the folder, the GX Data Docs and the dbt docs
inside the Airflow UI (``plugins/ucj_reports.py``). Nothing is imported here: the plugin loads
in every Airflow process and must stay cheap.
"""
