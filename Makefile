# The two commands: `make run` (demo site + Douyin sandbox) and `make test` (the whole suite);
# `make test-quick` is the loop to run while working (docs/testing.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app contest
SITE_PORT ?= 5000
SANDBOX_PORT ?= 5001
PYTEST_ARGS ?= -n 2
# What the quick loop leaves out (markers put on by tests/conftest.py); QUICK_ARGS adds pytest options
# or paths, QUICK_WORKERS sets the xdist workers (QUICK_WORKERS="-n 0": one process).
QUICK_MARKS := not browser and not multi and not postgres and not redis and not slow
QUICK_WORKERS ?= -n 2
QUICK_ARGS ?=
# Let Python keep bytecode even where the environment says not to: pytest then keeps its rewritten test
# and plugin modules too, instead of parsing and compiling some two hundred of them in every process.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-quick test-pg test-setup lint venv migrate-check clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

## Start the Douyin sandbox and the site with demo data; prints the URLs and demo logins.
run: venv
	SITE_PORT=$(SITE_PORT) SANDBOX_PORT=$(SANDBOX_PORT) bash scripts/dev.sh

## Install the Debian packages the suite needs when missing (as root) and start PostgreSQL and Redis.
test-setup:
	bash scripts/test-setup.sh

## Check the import floors (the contracts in pyproject.toml, [tool.importlinter]).
lint: venv
	$(VENV)/bin/lint-imports

## Check the floors, then run the whole test suite (SQLite by default; CONTEST_TEST_DATABASE_URL selects PostgreSQL).
test: venv test-setup lint
	$(PY) -m pytest $(PYTEST_ARGS)

## The quick loop: the unit, domain and page tests on SQLite with the in-process sandbox; no root, no
## PostgreSQL, Redis, nginx or Chromium.
test-quick: venv
	CONTEST_TEST_DATABASE_URL= $(PY) -m pytest -q -p no:playwright --ignore=tests/browser --ignore=tests/multi \
		-m "$(QUICK_MARKS)" $(QUICK_WORKERS) $(QUICK_ARGS)

## The suite against the local PostgreSQL (database `test`).
test-pg: venv test-setup
	CONTEST_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test $(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
