# The two commands of the README: `make demo` (the main job) and `make test` (the tests).
.PHONY: demo test test-stack test-bi install lint run marts clean

UV := .tools/bin/uv
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

install:
	./scripts/bootstrap.sh

demo: install
	.venv/bin/ucj demo

# ruff's rules and formatter over the Python code, sqlfluff over the dbt models (no server needed).
lint: install
	.venv/bin/ruff check src tests dags bench plugins
	.venv/bin/ruff format --check src tests dags bench plugins
	.venv/bin/sqlfluff lint dbt_project/models

test: lint
	.venv/bin/python -m pytest -q
	$(MAKE) --no-print-directory test-bi

# docker-compose.yml under Podman (tests/integration/test_compose_stack.py): slow, not in `test`.
test-stack: install
	.venv/bin/python -m pytest -q -s -m stack tests/integration/test_compose_stack.py

# Dashboards as code (tests/integration/test_superset_bi.py): Superset 6.1 in its own venv
# (bi/superset/requirements.txt, made once in .ucj/superset-venv); `test` runs it last (about 1.5 min).
SUPERSET_VENV ?= .ucj/superset-venv
test-bi: install
	test -x $(SUPERSET_VENV)/bin/superset || { $(UV) venv -q -p 3.11 $(SUPERSET_VENV) && \
		SSL_CERT_FILE=$${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt} $(UV) pip install -q -p $(SUPERSET_VENV)/bin/python -r bi/superset/requirements.txt; }
	UCJ_SUPERSET_VENV=$(SUPERSET_VENV) .venv/bin/python -m pytest -q -s -m bi tests/integration/test_superset_bi.py

run: install
	.venv/bin/ucj run

marts: install
	.venv/bin/ucj marts

clean:
	rm -rf .ucj data/quarantine dbt_project/target dbt_project/logs
