#!/usr/bin/env bash
# The ucj DAGs on Airflow's CeleryExecutor on this machine: up | down | status | trigger | env | logs.
# See "Scale-out (CeleryExecutor)" in README.md; the work is done by src/ucj/ops/celery_stack.py.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || ./scripts/bootstrap.sh
export GX_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
exec .venv/bin/python -m ucj.ops.celery_stack "$@"
