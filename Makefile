# The two commands of the README: `make demo` (the main job) and `make test` (the tests).
.PHONY: demo test test-stack install lint run marts clean

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

# docker-compose.yml under Podman (tests/integration/test_compose_stack.py): slow, not in `test`.
test-stack: install
	.venv/bin/python -m pytest -q -s -m stack tests/integration/test_compose_stack.py

run: install
	.venv/bin/ucj run

marts: install
	.venv/bin/ucj marts

clean:
	rm -rf .ucj data/quarantine dbt_project/target dbt_project/logs
