#!/usr/bin/env bash
# Every Airflow container starts here (after tini): wait for what the command needs, then run it.
# Docker's `depends_on: condition:` orders the start, but Podman never runs healthchecks and
# ignores those conditions, so each container waits for itself and starts the same under both:
#   1. the metadata database answers (`airflow db check`),
#   2. the Celery broker answers a PING,
#   3. with UCJ_WAIT_FOR_INIT=1 (every service but airflow-init): the migrations are complete
#      (`airflow db check-migrations`) and airflow-init has finished (its mark in the state volume).
# UCJ_WAIT_SECONDS (default 600) bounds each wait; then the container exits non-zero.
set -euo pipefail

wait_seconds="${UCJ_WAIT_SECONDS:-600}"
say() { echo "ucj-entrypoint: $*" >&2; }

if [ -n "${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-}" ]; then
  say "waiting for the metadata database"
  airflow db check --retry "$((wait_seconds / 5))" --retry-delay 5 >/dev/null
fi

if [ -n "${AIRFLOW__CELERY__BROKER_URL:-}" ]; then
  say "waiting for the Celery broker"
  python - "$wait_seconds" <<'PY'
import os, sys, time
import redis

deadline = time.monotonic() + float(sys.argv[1])
url = os.environ["AIRFLOW__CELERY__BROKER_URL"]
while True:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
        break
    except redis.RedisError as exc:
        if time.monotonic() > deadline:
            sys.exit(f"ucj-entrypoint: the broker {url.split('@')[-1]} did not answer: {exc}")
        time.sleep(2)
PY
fi

if [ "${UCJ_WAIT_FOR_INIT:-0}" = 1 ]; then
  say "waiting for the migrations and airflow-init"
  airflow db check-migrations --migration-wait-timeout "$wait_seconds" >/dev/null
  mark="${UCJ_STATE_DIR:-/var/lib/ucj}/airflow-init.done"
  waited=0
  until [ -e "$mark" ]; do
    if [ "$waited" -ge "$wait_seconds" ]; then
      say "airflow-init has not finished after ${wait_seconds} s ($mark is missing)"
      exit 1
    fi
    sleep 2
    waited=$((waited + 2))
  done
fi

exec "$@"
