"""The dbt docs site, rebuilt after every transform (a task body, no Airflow import).

``dbt docs generate --no-compile`` after the DAG's ``dbt build``: it re-parses the project
(partial parsing: the target folder's saved parse state, so only changed files) and queries the
warehouse's catalog for the column types, but compiles nothing a second time. It writes
``index.html``, ``manifest.json`` and ``catalog.json`` into ``UCJ_DBT_TARGET_DIR``, which the
Airflow plugin serves at ``/ucj/dbt-docs/``; the overview page (Bahasa Indonesia) is
``dbt_project/models/overview.md``. The manifest lacks the compiled SQL of each model (the
docs site then shows its source SQL only); ``ucj dbt docs generate`` by hand compiles too.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

DOCS_FILES = ("index.html", "manifest.json", "catalog.json")


def generate_docs() -> Path:
    """Write the docs site into dbt's target folder; returns its ``index.html``.

    Reads the warehouse (catalog) and writes nothing to it: no dbt lock is taken, so it runs
    beside a backfill's build.
    """
    from ucj import transform
    from ucj.config import settings

    transform.run_dbt(["docs", "generate", "--no-compile"])
    target = settings().dbt_target_dir
    missing = [name for name in DOCS_FILES if not (target / name).is_file()]
    if missing:
        raise RuntimeError(f"dbt docs generate wrote no {', '.join(missing)} into {target}")
    log.info("dbt docs written into %s", target)
    return target / "index.html"
