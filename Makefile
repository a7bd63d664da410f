# 民生支出公开平台 — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
TRANSLATIONS := portal/translations
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast lint deadcode audit setup install translations extract-messages update-messages vendor bench clean browser-deps compress-static serve nginx-deps

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/activate

install: $(BIN)/activate

translations: install
	$(BIN)/pybabel compile --use-fuzzy -d $(TRANSLATIONS) -f --statistics 2>&1 | tail -n 2

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs='.* .venv instance node_modules' -o $(TRANSLATIONS)/messages.pot --no-location --sort-output --project "livelihood-portal" .

update-messages: extract-messages
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete

setup: install translations compress-static
	$(FLASK) setup

## Pre-compressed copies of static/ (.gz and .br beside each file: build products, git-ignored),
## which WhiteNoise and nginx send by the reader's Accept-Encoding. Redone when a file changes.
STATIC_SOURCES := $(shell find static -type f ! -name '*.gz' ! -name '*.br' ! -name '*.png' ! -name '*.jpg' ! -name '*.gif' ! -name '*.webp' ! -name '*.woff' ! -name '*.woff2' 2>/dev/null)
STATIC_COMPRESSED := $(STATIC_SOURCES:=.br) $(STATIC_SOURCES:=.gz)

compress-static: $(STATIC_COMPRESSED)

$(STATIC_COMPRESSED) &: $(STATIC_SOURCES) | install
	$(BIN)/python -m whitenoise.compress -q static

## Production serving: migrations, then gunicorn with gunicorn.conf.py (workers from the CPU count;
## PORTAL_BIND, PORTAL_WORKERS, PORTAL_THREADS, PORTAL_TIMEOUT) on PostgreSQL and Redis. Every
## setting comes from the environment (README, "Deploying"); migrations run as
## PORTAL_OWNER_DATABASE_URL when it is set (the role that owns the tables), else as the app.
serve: install translations compress-static
	@test -n "$$PORTAL_DATABASE_URL" -a -n "$$PORTAL_REDIS_URL" || { echo "make serve: set PORTAL_DATABASE_URL (PostgreSQL) and PORTAL_REDIS_URL (README, Deploying); for a local try, use make run"; exit 2; }
	PORTAL_DATABASE_URL="$${PORTAL_OWNER_DATABASE_URL:-$$PORTAL_DATABASE_URL}" $(FLASK) db upgrade
	exec $(BIN)/gunicorn -c gunicorn.conf.py

## Set everything up on a fresh machine and serve on http://127.0.0.1:5000 (embedded SQLite).
## Only this target runs in debug mode (PORTAL_DEBUG=1: a development secret key is allowed).
run: export PORTAL_DEBUG ?= 1
run: setup
	$(FLASK) user demo
	$(FLASK) run --host $(HOST) --port $(PORT)

## The whole suite: SQLite always, PostgreSQL too when PORTAL_TEST_DATABASE_URL is set.
test: install translations compress-static browser-deps nginx-deps
	$(BIN)/pytest --durations=10 $(PYTEST_ARGS)

## The inner loop: everything but the tests marked slow, on SQLite only (under a minute).
test-fast: install translations compress-static
	PORTAL_TEST_DATABASE_URL= $(BIN)/pytest -q -m 'not slow' --durations=5 $(PYTEST_ARGS)

browser-deps:
	@$(BIN)/python tests/debian_deps.py browser

## Debian's nginx with its brotli_static and Lua modules (the cache keyed by the data version)
## for tests/test_nginx.py, installed when missing.
nginx-deps:
	@$(BIN)/python tests/debian_deps.py nginx

## ruff (lint and format) and mypy over what pyproject.toml lists ([tool.mypy] packages).
lint: install
	$(BIN)/ruff check portal tests bench
	$(BIN)/ruff format --check portal tests bench
	$(BIN)/mypy

## Code nothing calls (vulture over portal/, configured in pyproject.toml [tool.vulture]; the
## names only templates and frameworks read are in scripts/vulture_whitelist.py). Not part of lint:
## each finding wants a decision (remove it, or whitelist it saying what reads it).
deadcode: install
	$(BIN)/vulture

## Security checks: bandit over portal/ (medium severity and up), pip-audit on the installed pins
## (skips with a message when no vulnerability database is reachable).
audit: install
	$(BIN)/bandit -q -r portal -ll
	$(BIN)/python scripts/pip_audit.py

vendor:
	bash scripts/vendor.sh

bench: install translations
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance/*.sqlite3* .pytest_cache .mypy_cache .ruff_cache test-artifacts
	rm -f $(STATIC_COMPRESSED)
