"""The Airflow Assets that connect the DAGs: producers declare them, consumers schedule on them."""

from __future__ import annotations

# Plain URIs so that this module imports without Airflow (the DAG files build the Assets).
RAW_URI = "ucj://warehouse/raw"  # new or corrected rows landed in raw.*
