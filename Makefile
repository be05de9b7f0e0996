# Indsats. The two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-postgres lint typecheck pytest browser-deps messages benchmarks bench-deps clean

install: $(VENV)/.installed node_modules/.installed messages ## idempotent: Python and front-end dependencies

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

messages: $(VENV)/.installed
	@$(BIN)/python -m indsats.config.messages

browser-deps: ## Debian's Chromium for the browser tests (needs root; a no-op when present)
	@bash scripts/ensure-chromium.sh

run: install ## start Indsats on SQLite with demo data (and one background worker)
	@mkdir -p var
	DEBUG=true $(BIN)/indsats migrate --verbosity 0
	DEBUG=true $(BIN)/indsats demo --if-empty
	@DEBUG=true $(BIN)/indsats worker --verbosity 0 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  DEBUG=true $(BIN)/indsats serve $(HOST):$(PORT) --noreload

lint: install
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/lint-imports --no-logo

typecheck: install
	$(BIN)/mypy

pytest: install browser-deps
	$(BIN)/pytest

test: lint typecheck pytest ## the whole suite (SQLite unless DATABASE_URL says otherwise)

test-postgres: ## the same suite against the local PostgreSQL server
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/indsats} $(MAKE) test

benchmarks: install bench-deps ## speed and memory measurements (not part of the test suite)
	@for bench in benchmarks/bench_*.py; do echo "== $$bench"; $(BIN)/python $$bench || exit 1; done

bench-deps: install ## the peers the benchmarks compare with (DoWhy without its scipy pin; see bench_statistics.py)
	@$(BIN)/pip install --quiet --no-deps dowhy scikit-learn networkx sympy mpmath joblib threadpoolctl \
		pydot causal-learn cloudpickle

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .mypy_cache .ruff_cache
