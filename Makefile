# Relais: developer and CI entry points.
#   make run    install what is missing, then serve the app (RELAIS_HOST / RELAIS_PORT)
#   make test   install, make sure Chromium and PostgreSQL are there, run every test

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

# sudo only when we are not root already.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

PG_HOST := 127.0.0.1
PG_PORT := 5432

# Re-install the Python package when its metadata changes, or when one of the
# top-level packages first appears (the editable install maps only those it saw).
PY_STAMP    := $(VENV)/.relais-installed
PY_DEPS     := pyproject.toml $(wildcard domain/__init__.py application/__init__.py infrastructure/__init__.py web/__init__.py)
NPM_STAMP   := node_modules/.relais-npm-ci
VENDOR_DIR  := web/static/vendor
VENDOR      := $(VENDOR_DIR)/htmx.min.js $(VENDOR_DIR)/pico.min.css

.PHONY: help install run test test-deps lint-imports bench clean reset-demo

help:
	@echo "make install       venv + Python packages + npm ci + vendored assets (idempotent)"
	@echo "make run           install, then serve the app (.venv/bin/relais serve)"
	@echo "make test          install + test-deps, then unit/integration tests and browser tests"
	@echo "make test-deps     Debian's chromium and DejaVu fonts if missing; start PostgreSQL on $(PG_HOST):$(PG_PORT) if down"
	@echo "make lint-imports  check the import-linter contracts of pyproject.toml"
	@echo "make bench         run the benchmarks"
	@echo "make clean         remove .venv, node_modules and $(VENDOR_DIR) (keeps data/)"
	@echo "make reset-demo    delete the embedded demo's data folder whole (the next make run seeds a new demo)"

# ---------------------------------------------------------------- install
install: $(PY_STAMP) $(VENDOR)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): $(PY_DEPS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

$(NPM_STAMP): package.json package-lock.json .npmrc
	npm ci --no-audit --no-fund
	@touch $@

$(VENDOR) &: $(NPM_STAMP) scripts/vendor_assets.sh
	bash scripts/vendor_assets.sh
	@touch $(VENDOR)

# ---------------------------------------------------------------- run
run: install
	exec $(BIN)/relais serve

# ---------------------------------------------------------------- tests
test-deps:
	@if [ -x /usr/bin/chromium ]; then \
	  echo "test-deps: chromium present (/usr/bin/chromium)"; \
	else \
	  echo "test-deps: installing Debian's chromium"; \
	  $(SUDO) apt-get update; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi
	@if [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then \
	  echo "test-deps: DejaVu fonts present (explanation letters as PDF)"; \
	else \
	  echo "test-deps: installing Debian's fonts-dejavu-core (explanation letters as PDF)"; \
	  $(SUDO) apt-get update; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-dejavu-core; \
	fi
	@if pg_isready -q -h $(PG_HOST) -p $(PG_PORT); then \
	  echo "test-deps: PostgreSQL is up on $(PG_HOST):$(PG_PORT)"; \
	else \
	  if [ ! -d /etc/postgresql ] || [ -z "$$(ls /etc/postgresql)" ]; then \
	    echo "test-deps: no PostgreSQL cluster under /etc/postgresql" >&2; exit 1; \
	  fi; \
	  version="$$(ls /etc/postgresql | sort -V | tail -n 1)"; \
	  echo "test-deps: starting PostgreSQL $$version"; \
	  $(SUDO) pg_ctlcluster --skip-systemctl-redirect "$$version" main start || true; \
	  for _ in $$(seq 1 30); do \
	    pg_isready -q -h $(PG_HOST) -p $(PG_PORT) && break; \
	    sleep 1; \
	  done; \
	  if pg_isready -h $(PG_HOST) -p $(PG_PORT); then \
	    echo "test-deps: PostgreSQL is up"; \
	  else \
	    echo "test-deps: PostgreSQL did not come up on $(PG_HOST):$(PG_PORT) within 30 s" >&2; exit 1; \
	  fi; \
	fi

# Two pytest processes: pytest-asyncio and pytest-playwright clash in one.
# Both always run; the target fails if either fails (exit 5, "no tests", included).
test: install test-deps
	@status=0; \
	echo "==> pytest tests -m 'not e2e'"; \
	$(BIN)/pytest tests -m "not e2e" || status=$$?; \
	e2e=0; \
	echo "==> pytest tests/e2e -m e2e"; \
	$(BIN)/pytest tests/e2e -m e2e || e2e=$$?; \
	echo "make test: main suite exit $$status, browser suite exit $$e2e"; \
	if [ $$status -ne 0 ] || [ $$e2e -ne 0 ]; then exit 1; fi

lint-imports: install
	$(BIN)/lint-imports

bench: install
	$(BIN)/python benchmarks/commands.py
	$(BIN)/python benchmarks/pages.py
	$(BIN)/python benchmarks/history.py

# ---------------------------------------------------------------- clean
clean:
	rm -rf $(VENV) node_modules $(VENDOR_DIR)

# The embedded demo only: its database, keys, log mark and logins go together (the mark left alone
# would flag the next log as a deleted one). Never a PostgreSQL database.
reset-demo:
	@if [ -n "$${RELAIS_DATABASE_URL:-}" ]; then echo "reset-demo: RELAIS_DATABASE_URL is set; this deletes only the embedded SQLite demo's folder" >&2; exit 2; fi
	@if [ -n "$${RELAIS_LOG_MARK_DIR:-}" ]; then echo "reset-demo: RELAIS_LOG_MARK_DIR is set; the demo keeps its log mark in its data folder (unset it, or move the demo's log-mark-*.json aside by hand)" >&2; exit 2; fi
	@dir="$${RELAIS_DATA_DIR:-data}"; \
	if [ -e "$$dir" ] && [ ! -e "$$dir/relais.sqlite" ] && [ ! -e "$$dir/secret.key" ]; then \
		echo "reset-demo: $$dir holds neither relais.sqlite nor secret.key: not Relais' data folder, left as it is" >&2; exit 2; fi; \
	rm -rf -- "$$dir" && echo "reset-demo: deleted $$dir; the next make run seeds a new demo"
