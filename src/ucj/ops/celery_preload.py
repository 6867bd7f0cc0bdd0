"""Imported once by every Celery worker of the stack, before it forks its pool (Celery's
``imports`` setting: ``AIRFLOW__CELERY__EXTRA_CELERY_CONFIG`` in docker-compose.yml).

A task process under the CeleryExecutor is forked from the worker: what the worker has imported,
the task has too. Great Expectations alone takes ~7 s to import (more on a busy machine), which
every ``ingest_file`` task would otherwise pay again; dbt and Cosmos are paid by every transform
task. Airflow's own Celery app preloads its operators the same way.
"""

from __future__ import annotations

import great_expectations  # noqa: F401
import pandas  # noqa: F401
from cosmos import DbtTaskGroup  # noqa: F401
from dbt.cli.main import dbtRunner  # noqa: F401

import ucj.ingest.load  # noqa: F401
import ucj.ingest.validation  # noqa: F401
import ucj.tasks  # noqa: F401
import ucj.transform  # noqa: F401
